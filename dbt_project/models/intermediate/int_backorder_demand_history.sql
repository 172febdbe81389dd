{{ config(materialized='table') }}
{#
    Running totals of daily demand per SKU, so that the demand over any trailing window
    ending at a snapshot is a difference of two rows (two equality joins) instead of a
    range join over every day of the window. Each row sums only its own day and earlier
    days: nothing here can see the future.
#}
with daily_sales as (
    select sku, date, coalesce(quantity, 0) as quantity from {{ ref('fct_daily_sales') }}
),

final as (
    select
        sku,
        date,
        sum(quantity) over (
            partition by sku order by date rows between unbounded preceding and current row
        ) as cumulative_qty,
        sum(quantity * quantity) over (
            partition by sku order by date rows between unbounded preceding and current row
        ) as cumulative_qty_sq,
        count(*) over (
            partition by sku order by date rows between unbounded preceding and current row
        ) as cumulative_days
    from daily_sales
)

select * from final
