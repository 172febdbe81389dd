{{ config(materialized='table') }}

with sales as (
    select * from {{ ref('stg_raw__sales') }}
),

sales_by_sku_day as (
    select
        sku,
        sales_date,
        sum(quantity) as quantity,
        sum(case when unit_price is not null then quantity * unit_price end) as priced_revenue,
        sum(case when unit_price is not null then quantity else 0 end) as priced_quantity,
        avg(unit_price) as mean_unit_price,
        avg(discount) as discount,
        {{ dbt.bool_or('coalesce(is_promo, false)') }} as is_promo,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_locations
    from sales
    group by sku, sales_date
),

final as (
    select
        sku,
        sales_date,
        quantity,
        -- Quantity-weighted across locations, so revenue = quantity * unit_price holds;
        -- the plain mean when only zero-quantity lines carry a price.
        case
            when priced_quantity <> 0 then priced_revenue / priced_quantity
            else mean_unit_price
        end as unit_price,
        discount,
        is_promo,
        n_locations
    from sales_by_sku_day
)

select * from final
