{#
    Purchase order lines with promised and realised lead times. Lateness of an open line
    is judged on the data's as-of date (the last date seen in sales, inventory or purchase
    orders), not on the wall clock, so a rebuild of old data gives the same answer.
#}
with purchase_orders as (
    select * from {{ ref('stg_raw__purchase_orders') }}
),

products as (
    select * from {{ ref('stg_raw__products') }}
),

observed_dates as (
    select max(sales_date) as observed_date from {{ ref('stg_raw__sales') }}
    union all
    select max(snapshot_date) from {{ ref('stg_raw__inventory') }}
    union all
    select max(order_date) from purchase_orders
    union all
    select max(received_date) from purchase_orders
),

as_of as (
    select max(observed_date) as as_of_date
    from observed_dates
),

lines as (
    select
        purchase_orders.po_id,
        purchase_orders.sku,
        coalesce(
            purchase_orders.supplier_id,
            products.supplier_id,
            {{ var_string('default_supplier_id') }}
        ) as supplier_id,
        purchase_orders.order_date,
        purchase_orders.expected_date,
        purchase_orders.received_date,
        purchase_orders.quantity,
        purchase_orders.received_quantity,
        as_of.as_of_date
    from purchase_orders
    left join products
        on purchase_orders.sku = products.sku
    cross join as_of
),

final as (
    select
        po_id,
        sku,
        supplier_id,
        order_date,
        expected_date,
        received_date,
        quantity,
        received_quantity,
        {{ dbt.datediff('order_date', 'expected_date', 'day') }} as promised_lead_time_days,
        {{ dbt.datediff('order_date', 'received_date', 'day') }} as realised_lead_time_days,
        {{ dbt.datediff('expected_date', 'received_date', 'day') }} as days_late,
        coalesce(
            {{ dbt.datediff('expected_date', 'coalesce(received_date, as_of_date)', 'day') }} > 0,
            false
        ) as is_late,
        received_date is not null
            and coalesce(received_quantity, quantity) < quantity as is_partial,
        received_date is null as is_open
    from lines
)

select * from final
