{#
    Backorder-risk features in the shape of the public "product backorders" dataset, one
    row per SKU per weekly snapshot (Mondays), plus the label went_on_backorder. Every
    feature is computed from rows dated on or before snapshot_date (see each
    int_backorder_* model); only the label looks ahead. Counts are rounded to whole
    numbers and unknown supplier performance is -99, as in the public files, so that
    ml.backorder's loader reads this mart exactly like an ERP export. How each column is
    derived: fct_backorder_features.yml.
#}
with snapshots as (
    select * from {{ ref('int_backorder_snapshots') }}
),

demand as (
    select * from {{ ref('int_backorder_demand_windows') }}
),

purchase_orders as (
    select * from {{ ref('int_backorder_purchase_order_state') }}
),

supplier_performance as (
    select * from {{ ref('int_backorder_supplier_performance') }}
),

labels as (
    select * from {{ ref('int_backorder_labels') }}
),

inventory as (
    select * from {{ ref('fct_inventory_snapshots') }}
),

products as (
    select sku, supplier_id from {{ ref('dim_products') }}
),

suppliers as (
    select supplier_id, lead_time_days from {{ ref('dim_suppliers') }}
),

joined as (
    select
        snapshots.sku,
        snapshots.snapshot_date,
        products.supplier_id,
        inventory.on_hand,
        inventory.in_transit,
        coalesce(
            purchase_orders.realised_lead_time_days_12m,
            supplier_performance.realised_lead_time_days_12m,
            suppliers.lead_time_days
        ) as lead_time_days,
        coalesce(purchase_orders.open_qty, 0) as open_po_qty,
        coalesce(purchase_orders.past_due_qty, 0) as past_due_qty,
        coalesce(purchase_orders.had_partial_receipt_91d, 0) as had_partial_receipt_91d,
        supplier_performance.on_time_rate_6m,
        supplier_performance.on_time_rate_12m,
        coalesce(demand.mean_daily_qty_28d, 0) as mean_daily_qty_28d,
        coalesce(demand.std_daily_qty_91d, 0) as std_daily_qty_91d,
        demand.sales_30d,
        demand.sales_91d,
        demand.sales_182d,
        demand.sales_273d,
        demand.sales_56d,
        demand.sales_before_56d,
        demand.local_bo_qty,
        coalesce(suppliers.lead_time_days, {{ var_number('default_lead_time_days') }})
            as promised_lead_time_days,
        labels.went_on_backorder,
        labels.is_labelled,
        labels.label_window_end
    from snapshots
    inner join demand
        on demand.sku = snapshots.sku
        and demand.snapshot_date = snapshots.snapshot_date
    inner join labels
        on labels.sku = snapshots.sku
        and labels.snapshot_date = snapshots.snapshot_date
    inner join inventory
        on inventory.sku = snapshots.sku
        and inventory.date = snapshots.inventory_date
    left join products
        on products.sku = snapshots.sku
    left join suppliers
        on suppliers.supplier_id = products.supplier_id
    left join purchase_orders
        on purchase_orders.sku = snapshots.sku
        and purchase_orders.snapshot_date = snapshots.snapshot_date
    left join supplier_performance
        on supplier_performance.supplier_id = products.supplier_id
        and supplier_performance.snapshot_date = snapshots.snapshot_date
),

features as (
    select
        sku,
        snapshot_date,
        round(on_hand) as national_inv,
        round(cast(lead_time_days / 7.0 as {{ dbt.type_numeric() }}), 1) as lead_time,
        round(coalesce(in_transit, open_po_qty)) as in_transit_qty,
        round(mean_daily_qty_28d * 91) as forecast_3_month,
        round(mean_daily_qty_28d * 182) as forecast_6_month,
        round(mean_daily_qty_28d * 273) as forecast_9_month,
        round(sales_30d) as sales_1_month,
        round(sales_91d) as sales_3_month,
        round(sales_182d) as sales_6_month,
        round(sales_273d) as sales_9_month,
        round(1.65 * std_daily_qty_91d * sqrt(promised_lead_time_days)) as min_bank,
        case when had_partial_receipt_91d = 1 then 'Yes' else 'No' end as potential_issue,
        round(past_due_qty) as pieces_past_due,
        coalesce(round(cast(on_time_rate_6m as {{ dbt.type_numeric() }}), 2), -99) as perf_6_month_avg,
        coalesce(round(cast(on_time_rate_12m as {{ dbt.type_numeric() }}), 2), -99) as perf_12_month_avg,
        round(local_bo_qty) as local_bo_qty,
        sales_56d,
        sales_before_56d,
        went_on_backorder,
        is_labelled,
        label_window_end
    from joined
),

final as (
    select
        sku,
        snapshot_date,
        cast(national_inv as {{ type_double() }}) as national_inv,
        cast(lead_time as {{ type_double() }}) as lead_time,
        cast(in_transit_qty as {{ type_double() }}) as in_transit_qty,
        cast(forecast_3_month as {{ type_double() }}) as forecast_3_month,
        cast(forecast_6_month as {{ type_double() }}) as forecast_6_month,
        cast(forecast_9_month as {{ type_double() }}) as forecast_9_month,
        cast(sales_1_month as {{ type_double() }}) as sales_1_month,
        cast(sales_3_month as {{ type_double() }}) as sales_3_month,
        cast(sales_6_month as {{ type_double() }}) as sales_6_month,
        cast(sales_9_month as {{ type_double() }}) as sales_9_month,
        cast(min_bank as {{ type_double() }}) as min_bank,
        potential_issue,
        cast(pieces_past_due as {{ type_double() }}) as pieces_past_due,
        cast(perf_6_month_avg as {{ type_double() }}) as perf_6_month_avg,
        cast(perf_12_month_avg as {{ type_double() }}) as perf_12_month_avg,
        cast(local_bo_qty as {{ type_double() }}) as local_bo_qty,
        case when national_inv < min_bank then 'Yes' else 'No' end as deck_risk,
        'No' as oe_constraint,
        'No' as ppap_risk,
        'No' as stop_auto_buy,
        case when sales_56d = 0 and sales_before_56d > 0 then 'Yes' else 'No' end as rev_stop,
        went_on_backorder,
        is_labelled,
        label_window_end
    from features
)

select * from final
