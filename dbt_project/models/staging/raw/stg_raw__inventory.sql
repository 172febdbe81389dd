with source as (
    select * from {{ source('raw', 'inventory') }}
),

final as (
    select
        cast(date as date) as snapshot_date,
        cast(sku as {{ dbt.type_string() }}) as sku,
        cast(on_hand as {{ type_double() }}) as on_hand,
        cast(on_order as {{ type_double() }}) as on_order,
        cast(in_transit as {{ type_double() }}) as in_transit,
        cast(backordered_qty as {{ type_double() }}) as backordered_qty
    from source
)

select * from final
