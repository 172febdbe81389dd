{#
    Daily demand per SKU on a complete calendar (zero on days without sales), with the
    day's price, promotion and end-of-day stock. A stockout day is one with a known stock
    of zero or less at the end of the day, or with units on backorder: demand on such
    days is censored (sales <= demand), which forecasts and backorder models need to know.
#}
with calendar_filled as (
    select * from {{ ref('int_sku_calendar_filled') }}
),

products as (
    select * from {{ ref('dim_products') }}
),

inventory as (
    select * from {{ ref('int_inventory_position') }}
),

priced_days as (
    select
        calendar_filled.date_day,
        calendar_filled.sku,
        calendar_filled.quantity,
        coalesce(calendar_filled.unit_price, products.unit_price) as unit_price,
        calendar_filled.discount,
        calendar_filled.is_promo
    from calendar_filled
    left join products
        on calendar_filled.sku = products.sku
),

final as (
    select
        priced_days.date_day as date,
        priced_days.sku,
        priced_days.quantity,
        priced_days.quantity * priced_days.unit_price as revenue,
        priced_days.unit_price,
        priced_days.discount,
        priced_days.is_promo,
        inventory.on_hand,
        inventory.backordered_qty,
        coalesce(inventory.on_hand <= 0, false)
            or coalesce(inventory.backordered_qty > 0, false) as is_stockout
    from priced_days
    left join inventory
        on priced_days.sku = inventory.sku
        and priced_days.date_day = inventory.snapshot_date
)

select * from final
