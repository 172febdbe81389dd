with inventory as (
    select * from {{ ref('int_inventory_position') }}
),

final as (
    select
        snapshot_date as date,
        sku,
        on_hand,
        on_order,
        in_transit,
        backordered_qty,
        inventory_position
    from inventory
)

select * from final
