{#
    Model-ready features per SKU per day. Every lag and rolling window ends the day
    BEFORE the row's date, so a feature never contains the demand it is used to predict.
    A rolling statistic is null until its window is full (the first 7 or 28 days).
#}
with daily_sales as (
    select * from {{ ref('fct_daily_sales') }}
),

calendar as (
    select * from {{ ref('int_calendar_days') }}
),

windowed as (
    select
        date,
        sku,
        quantity,
        lag(quantity, 7) over by_sku as lag_7,
        lag(quantity, 14) over by_sku as lag_14,
        lag(quantity, 28) over by_sku as lag_28,
        row_number() over by_sku - 1 as n_days_before,
        avg(quantity) over trailing_7 as mean_trailing_7,
        stddev_samp(quantity) over trailing_7 as std_trailing_7,
        avg(quantity) over trailing_28 as mean_trailing_28,
        stddev_samp(quantity) over trailing_28 as std_trailing_28,
        is_promo,
        unit_price,
        is_stockout
    from daily_sales
    window
        by_sku as (partition by sku order by date),
        trailing_7 as (partition by sku order by date rows between 7 preceding and 1 preceding),
        trailing_28 as (partition by sku order by date rows between 28 preceding and 1 preceding)
),

final as (
    select
        windowed.date,
        windowed.sku,
        windowed.quantity,
        windowed.lag_7,
        windowed.lag_14,
        windowed.lag_28,
        case when windowed.n_days_before >= 7 then windowed.mean_trailing_7 end
            as rolling_mean_7,
        case when windowed.n_days_before >= 28 then windowed.mean_trailing_28 end
            as rolling_mean_28,
        case when windowed.n_days_before >= 7 then windowed.std_trailing_7 end
            as rolling_std_7,
        case when windowed.n_days_before >= 28 then windowed.std_trailing_28 end
            as rolling_std_28,
        {{ day_of_week('windowed.date') }} as day_of_week,
        {{ month_of_year('windowed.date') }} as month,
        coalesce(calendar.is_holiday, false) as is_holiday,
        windowed.is_promo,
        windowed.unit_price,
        windowed.is_stockout
    from windowed
    left join calendar
        on windowed.date = calendar.date_day
)

select * from final
