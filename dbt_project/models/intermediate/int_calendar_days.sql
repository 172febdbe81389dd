{#
    One row per day over the sales history, with the calendar features forecasts use.
    Holidays come from the `holidays` seed (US holidays 2010-2035).
#}
with sales_bounds as (
    select
        min(sales_date) as first_date,
        max(sales_date) as last_date
    from {{ ref('stg_raw__sales') }}
),

days as (
    select {{ date_series('first_date', 'last_date') }} as date_day
    from sales_bounds
    where first_date is not null
),

holidays as (
    select * from {{ ref('stg_seed__holidays') }}
),

final as (
    select
        days.date_day,
        {{ day_of_week('days.date_day') }} as day_of_week,
        {{ month_of_year('days.date_day') }} as month,
        holidays.holiday_date is not null as is_holiday,
        holidays.holiday_name
    from days
    left join holidays
        on days.date_day = holidays.holiday_date
)

select * from final
