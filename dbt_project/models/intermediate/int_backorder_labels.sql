{#
    The label of each snapshot: did the SKU have units on backorder on any day of the
    next N weeks (var backorder_label_weeks, default 8), i.e. in
    (snapshot_date, snapshot_date + 7N days]? The snapshot day itself is not in the
    window (it is a feature, local_bo_qty). Backorders come from the inventory snapshots
    (which fct_daily_sales carries too). A window that ends after the data ends has no
    label (null), not 'No': the backorder may still come.
#}
{%- set label_days = 7 * (var('backorder_label_weeks', 8) | int) %}
with snapshots as (
    select
        sku,
        snapshot_date,
        data_end_date,
        cast({{ dbt.dateadd('day', label_days, 'snapshot_date') }} as date) as label_window_end
    from {{ ref('int_backorder_snapshots') }}
),

backorder_days as (
    select sku, date from {{ ref('fct_inventory_snapshots') }} where backordered_qty > 0
    union
    select sku, date from {{ ref('fct_daily_sales') }} where backordered_qty > 0
),

hits as (
    select
        snapshots.sku,
        snapshots.snapshot_date,
        count(backorder_days.date) as backorder_days_in_window
    from snapshots
    left join backorder_days
        on backorder_days.sku = snapshots.sku
        and backorder_days.date > snapshots.snapshot_date
        and backorder_days.date <= snapshots.label_window_end
    group by snapshots.sku, snapshots.snapshot_date
),

final as (
    select
        snapshots.sku,
        snapshots.snapshot_date,
        snapshots.label_window_end,
        snapshots.label_window_end <= snapshots.data_end_date as is_labelled,
        case
            when snapshots.label_window_end > snapshots.data_end_date then null
            when hits.backorder_days_in_window > 0 then 'Yes'
            else 'No'
        end as went_on_backorder
    from snapshots
    inner join hits
        on hits.sku = snapshots.sku
        and hits.snapshot_date = snapshots.snapshot_date
)

select * from final
