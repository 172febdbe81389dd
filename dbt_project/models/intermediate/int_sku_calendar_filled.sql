{#
    The demand history every forecast reads: one row per sku per day from the SKU's first
    sale to the last sales date of the whole data set, with days without a sales line
    filled with zero demand (no line means nothing sold). Materialised as a table: at
    10,000 SKUs x 3 years it is ~11M rows that two marts read.
#}
{{ config(materialized='table') }}

with daily_sales as (
    select * from {{ ref('int_sales_daily_by_sku') }}
),

sku_first_sales as (
    select
        sku,
        min(sales_date) as first_sale_date
    from daily_sales
    group by sku
),

last_sales_day as (
    select max(sales_date) as last_sales_date
    from daily_sales
),

sku_days as (
    select
        sku_first_sales.sku,
        {{ date_series('sku_first_sales.first_sale_date', 'last_sales_day.last_sales_date') }}
            as date_day
    from sku_first_sales
    cross join last_sales_day
),

final as (
    select
        sku_days.sku,
        sku_days.date_day,
        coalesce(daily_sales.quantity, 0) as quantity,
        daily_sales.unit_price,
        daily_sales.discount,
        coalesce(daily_sales.is_promo, false) as is_promo,
        daily_sales.sku is not null as has_sales_record
    from sku_days
    left join daily_sales
        on sku_days.sku = daily_sales.sku
        and sku_days.date_day = daily_sales.sales_date
)

select * from final
