{#
    Each supplier's delivery record at each snapshot date, from lines received in the 6
    and 12 months (182 / 365 days) up to and including the snapshot: the on-time share
    (received on or before the expected date, as dim_suppliers.on_time_rate but windowed)
    and the mean realised lead time. dim_suppliers' own figures use the whole history,
    so they cannot be features of a past snapshot.
#}
with snapshot_dates as (
    select distinct snapshot_date from {{ ref('int_backorder_snapshots') }}
),

receipts as (
    select
        supplier_id,
        received_date,
        realised_lead_time_days,
        case when received_date <= expected_date then 1.0 else 0.0 end as is_on_time
    from {{ ref('fct_purchase_orders') }}
    where received_date is not null and expected_date is not null
),

final as (
    select
        receipts.supplier_id,
        snapshot_dates.snapshot_date,
        cast(avg(case
            when receipts.received_date
                > cast({{ dbt.dateadd('day', -182, 'snapshot_dates.snapshot_date') }} as date)
                then receipts.is_on_time
        end) as {{ type_double() }}) as on_time_rate_6m,
        cast(avg(receipts.is_on_time) as {{ type_double() }}) as on_time_rate_12m,
        avg(cast(receipts.realised_lead_time_days as {{ type_double() }}))
            as realised_lead_time_days_12m,
        count(*) as n_receipts_12m
    from snapshot_dates
    inner join receipts
        on receipts.received_date <= snapshot_dates.snapshot_date
        and receipts.received_date
        > cast({{ dbt.dateadd('day', -365, 'snapshot_dates.snapshot_date') }} as date)
    group by receipts.supplier_id, snapshot_dates.snapshot_date
)

select * from final
