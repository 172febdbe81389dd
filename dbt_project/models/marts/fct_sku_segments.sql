{#
    One row per SKU with sales history, classified three ways:
    - ABC by cumulative share of revenue (SKUs sorted by revenue, largest first): a SKU is
      A while the share of the SKUs before it is below abc_a_threshold, B below
      abc_b_threshold, else C. So the top SKU is always A. When no sale carries a price
      (a sales-only file without prices) quantity stands in for revenue.
    - XYZ by the coefficient of variation of daily demand (zero days included).
    - Syntetos-Boylan demand pattern from ADI (days per demand occurrence) and CV^2 of the
      non-zero demand sizes: smooth, erratic, intermittent, lumpy; no_demand if never sold.
#}
with daily_sales as (
    select * from {{ ref('fct_daily_sales') }}
),

sku_stats as (
    select
        sku,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_days,
        cast(sum(case when quantity > 0 then 1 else 0 end) as {{ dbt.type_bigint() }})
            as n_nonzero_days,
        coalesce(sum(revenue), 0) as revenue,
        sum(quantity) as total_quantity,
        avg(quantity) as mean_daily_demand,
        stddev_samp(quantity) as std_daily_demand,
        avg(case when quantity > 0 then quantity end) as mean_nonzero_demand,
        stddev_samp(case when quantity > 0 then quantity end) as std_nonzero_demand
    from daily_sales
    group by sku
),

revenue_totals as (
    select
        sum(greatest(revenue, 0)) as total_revenue,
        sum(greatest(total_quantity, 0)) as total_quantity
    from sku_stats
),

valued as (
    select
        sku_stats.*,
        case
            when revenue_totals.total_revenue > 0 then greatest(sku_stats.revenue, 0)
            else greatest(sku_stats.total_quantity, 0)
        end as abc_value,
        case
            when revenue_totals.total_revenue > 0 then revenue_totals.total_revenue
            else revenue_totals.total_quantity
        end as abc_total
    from sku_stats
    cross join revenue_totals
),

shares as (
    select
        valued.*,
        abc_value / nullif(abc_total, 0) as revenue_share
    from valued
),

cumulated as (
    select
        shares.*,
        coalesce(
            sum(revenue_share) over (
                order by abc_value desc, sku
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as share_before
    from shares
),

measured as (
    select
        cumulated.*,
        case
            when mean_daily_demand > 0 then std_daily_demand / mean_daily_demand
        end as cv,
        case
            when n_nonzero_days > 0
                then cast(n_days as {{ type_double() }}) / n_nonzero_days
        end as adi,
        case
            when n_nonzero_days = 1 then 0
            when n_nonzero_days > 1
                then (std_nonzero_demand / mean_nonzero_demand)
                    * (std_nonzero_demand / mean_nonzero_demand)
        end as cv2
    from cumulated
),

final as (
    select
        sku,
        revenue,
        revenue_share,
        case
            when revenue_share is null then 'C'
            when share_before < {{ var('abc_a_threshold') }} then 'A'
            when share_before < {{ var('abc_b_threshold') }} then 'B'
            else 'C'
        end as abc_class,
        mean_daily_demand,
        std_daily_demand,
        cv,
        case
            when cv is null then 'Z'
            when cv <= {{ var('xyz_x_threshold') }} then 'X'
            when cv <= {{ var('xyz_y_threshold') }} then 'Y'
            else 'Z'
        end as xyz_class,
        adi,
        cv2,
        case
            when n_nonzero_days = 0 then 'no_demand'
            when adi < {{ var('adi_cutoff') }} and cv2 < {{ var('cv2_cutoff') }} then 'smooth'
            when adi < {{ var('adi_cutoff') }} then 'erratic'
            when cv2 < {{ var('cv2_cutoff') }} then 'intermittent'
            else 'lumpy'
        end as demand_pattern,
        n_days,
        n_nonzero_days
    from measured
)

select * from final
