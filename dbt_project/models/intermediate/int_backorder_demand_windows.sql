{#
    Trailing demand per SKU at each snapshot: sales over the last 30 / 91 / 182 / 273 days
    (the public dataset's 1 / 3 / 6 / 9 months), the last 28 days' mean (the point-in-time
    forecast level), the last 91 days' standard deviation of daily demand (for the
    safety-stock proxy), demand in the last 56 days (discontinuation), and the largest
    backordered quantity in the 7 days up to the snapshot. Windows end at snapshot_date
    (included); a window reaching before the first sale counts from the first sale.
#}
{%- set offsets = {'d28': 28, 'd30': 30, 'd56': 56, 'd91': 91, 'd182': 182, 'd273': 273} %}
with snapshots as (
    select sku, snapshot_date from {{ ref('int_backorder_snapshots') }}
),

history as (
    select * from {{ ref('int_backorder_demand_history') }}
),

recent_backorders as (
    select
        snapshots.sku,
        snapshots.snapshot_date,
        max(inventory.backordered_qty) as local_bo_qty
    from snapshots
    inner join {{ ref('fct_inventory_snapshots') }} as inventory
        on inventory.sku = snapshots.sku
        and inventory.date <= snapshots.snapshot_date
        and inventory.date > cast({{ dbt.dateadd('day', -7, 'snapshots.snapshot_date') }} as date)
    group by snapshots.sku, snapshots.snapshot_date
),

windows as (
    select
        snapshots.sku,
        snapshots.snapshot_date,
        now_.cumulative_qty,
        now_.cumulative_qty_sq,
        now_.cumulative_days
        {%- for name in offsets %},
        coalesce({{ name }}.cumulative_qty, 0) as {{ name }}_qty,
        coalesce({{ name }}.cumulative_qty_sq, 0) as {{ name }}_qty_sq,
        coalesce({{ name }}.cumulative_days, 0) as {{ name }}_days
        {%- endfor %}
    from snapshots
    inner join history as now_
        on now_.sku = snapshots.sku
        and now_.date = snapshots.snapshot_date
    {%- for name, days in offsets.items() %}
    left join history as {{ name }}
        on {{ name }}.sku = snapshots.sku
        and {{ name }}.date = cast({{ dbt.dateadd('day', -days, 'snapshots.snapshot_date') }} as date)
    {%- endfor %}
),

final as (
    select
        windows.sku,
        windows.snapshot_date,
        windows.cumulative_qty - windows.d30_qty as sales_30d,
        windows.cumulative_qty - windows.d91_qty as sales_91d,
        windows.cumulative_qty - windows.d182_qty as sales_182d,
        windows.cumulative_qty - windows.d273_qty as sales_273d,
        windows.cumulative_qty - windows.d56_qty as sales_56d,
        windows.d56_qty as sales_before_56d,
        cast(windows.cumulative_qty - windows.d28_qty as {{ type_double() }})
            / nullif(windows.cumulative_days - windows.d28_days, 0) as mean_daily_qty_28d,
        case
            when windows.cumulative_days - windows.d91_days > 1 then sqrt(greatest(
                (
                    (windows.cumulative_qty_sq - windows.d91_qty_sq)
                    - (windows.cumulative_qty - windows.d91_qty)
                    * (windows.cumulative_qty - windows.d91_qty)
                    / (windows.cumulative_days - windows.d91_days)
                ) / (windows.cumulative_days - windows.d91_days - 1),
                0
            ))
        end as std_daily_qty_91d,
        coalesce(recent_backorders.local_bo_qty, 0) as local_bo_qty
    from windows
    left join recent_backorders
        on recent_backorders.sku = windows.sku
        and recent_backorders.snapshot_date = windows.snapshot_date
)

select * from final
