{#
    Purchase-order state of each SKU at each snapshot, judged on the snapshot date rather
    than on the data's as-of date (fct_purchase_orders.is_open / is_late look at the
    latest date in the data, which would leak): a line is open at the snapshot if it was
    ordered on or before it and not received by then; past due if also expected before
    it. Realised lead times and partial receipts only count lines received by then.
#}
with snapshots as (
    select sku, snapshot_date from {{ ref('int_backorder_snapshots') }}
),

lines as (
    select
        sku,
        order_date,
        expected_date,
        received_date,
        quantity,
        received_quantity,
        realised_lead_time_days
    from {{ ref('fct_purchase_orders') }}
),

lines_at_snapshot as (
    select
        snapshots.sku,
        snapshots.snapshot_date,
        lines.expected_date,
        lines.quantity,
        lines.received_quantity,
        lines.realised_lead_time_days,
        lines.received_date is not null
            and lines.received_date <= snapshots.snapshot_date as is_received,
        lines.received_date > cast({{ dbt.dateadd('day', -91, 'snapshots.snapshot_date') }} as date)
            as is_recent
    from snapshots
    inner join lines
        on lines.sku = snapshots.sku
        and lines.order_date <= snapshots.snapshot_date
        and (
            lines.received_date is null
            or lines.received_date
            > cast({{ dbt.dateadd('day', -365, 'snapshots.snapshot_date') }} as date)
        )
),

final as (
    select
        sku,
        snapshot_date,
        sum(case when not is_received then quantity else 0 end) as open_qty,
        sum(case
            when not is_received and expected_date < snapshot_date then quantity else 0
        end) as past_due_qty,
        avg(case
            when is_received then cast(realised_lead_time_days as {{ type_double() }})
        end) as realised_lead_time_days_12m,
        max(case
            when is_received and is_recent
                and coalesce(received_quantity, quantity) < quantity then 1
            else 0
        end) as had_partial_receipt_91d
    from lines_at_snapshot
    group by sku, snapshot_date
)

select * from final
