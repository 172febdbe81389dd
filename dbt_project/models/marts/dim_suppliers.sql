{#
    Every supplier: the suppliers file, any supplier_id that products or purchase orders
    name, and always the default supplier that products without one point to. Promised
    terms fall back on the project vars; realised lead times come from received
    purchase order lines.
#}
with suppliers as (
    select * from {{ ref('stg_raw__suppliers') }}
),

purchase_order_lines as (
    select * from {{ ref('int_purchase_order_lead_times') }}
),

known_supplier_ids as (
    select supplier_id from suppliers
    union
    select supplier_id from {{ ref('stg_raw__products') }} where supplier_id is not null
    union
    select supplier_id from purchase_order_lines
    union
    select {{ var_string('default_supplier_id') }}
),

receipt_stats as (
    select
        supplier_id,
        avg(cast(realised_lead_time_days as {{ type_double() }})) as realised_lead_time_mean,
        stddev_samp(cast(realised_lead_time_days as {{ type_double() }}))
            as realised_lead_time_std,
        avg(case
            when days_late is null then null
            when days_late <= 0 then 1.0
            else 0.0
        end) as on_time_rate,
        cast(count(*) as {{ dbt.type_bigint() }}) as n_receipts
    from purchase_order_lines
    where received_date is not null
    group by supplier_id
),

final as (
    select
        known_supplier_ids.supplier_id,
        coalesce(suppliers.supplier_name, known_supplier_ids.supplier_id) as name,
        coalesce(suppliers.lead_time_days, {{ var_number('default_lead_time_days') }})
            as lead_time_days,
        coalesce(suppliers.lead_time_std_days, {{ var_number('default_lead_time_std_days') }})
            as lead_time_std_days,
        coalesce(suppliers.min_order_qty, {{ var_number('default_min_order_qty') }})
            as min_order_qty,
        coalesce(suppliers.order_cost, {{ var_number('default_order_cost') }}) as order_cost,
        receipt_stats.realised_lead_time_mean,
        receipt_stats.realised_lead_time_std,
        cast(receipt_stats.on_time_rate as {{ type_double() }}) as on_time_rate,
        coalesce(receipt_stats.n_receipts, 0) as n_receipts,
        suppliers.supplier_id is not null as has_supplier_record
    from known_supplier_ids
    left join suppliers
        on known_supplier_ids.supplier_id = suppliers.supplier_id
    left join receipt_stats
        on known_supplier_ids.supplier_id = receipt_stats.supplier_id
)

select * from final
