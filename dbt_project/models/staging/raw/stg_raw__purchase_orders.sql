with source as (
    select * from {{ source('raw', 'purchase_orders') }}
),

final as (
    select
        cast(po_id as {{ dbt.type_string() }}) as po_id,
        cast(sku as {{ dbt.type_string() }}) as sku,
        cast(supplier_id as {{ dbt.type_string() }}) as supplier_id,
        cast(order_date as date) as order_date,
        cast(expected_date as date) as expected_date,
        cast(received_date as date) as received_date,
        cast(quantity as {{ type_double() }}) as quantity,
        cast(received_quantity as {{ type_double() }}) as received_quantity
    from source
)

select * from final
