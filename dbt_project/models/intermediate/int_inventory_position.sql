with inventory as (
    select * from {{ ref('stg_raw__inventory') }}
),

final as (
    select
        snapshot_date,
        sku,
        on_hand,
        coalesce(on_order, 0) as on_order,
        in_transit,
        coalesce(backordered_qty, 0) as backordered_qty,
        on_hand + coalesce(on_order, 0) - coalesce(backordered_qty, 0) as inventory_position
    from inventory
)

select * from final
