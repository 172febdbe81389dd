{#
    The weekly snapshots the backorder features are taken at: every Monday on which the
    SKU is in the sales calendar (first sale onward) and has an inventory snapshot in the
    14 days up to and including that Monday (a backorder model without stock is blind).
    A snapshot's features describe the end of its day: only rows dated on or before
    snapshot_date may feed them. data_end_date (the last day of the sales calendar) is
    not a feature: it only decides whether the label window is complete.
#}
with daily_sales as (
    select sku, date from {{ ref('fct_daily_sales') }}
),

inventory as (
    select sku, date from {{ ref('fct_inventory_snapshots') }}
),

data_end as (
    select max(date) as data_end_date from daily_sales
),

mondays as (
    select sku, date as snapshot_date
    from daily_sales
    where {{ day_of_week('date') }} = 1
),

latest_inventory as (
    select
        mondays.sku,
        mondays.snapshot_date,
        max(inventory.date) as inventory_date
    from mondays
    inner join inventory
        on inventory.sku = mondays.sku
        and inventory.date <= mondays.snapshot_date
        and inventory.date > cast({{ dbt.dateadd('day', -14, 'mondays.snapshot_date') }} as date)
    group by mondays.sku, mondays.snapshot_date
),

final as (
    select
        latest_inventory.sku,
        latest_inventory.snapshot_date,
        latest_inventory.inventory_date,
        data_end.data_end_date
    from latest_inventory
    cross join data_end
)

select * from final
