with purchase_order_lines as (
    select * from {{ ref('int_purchase_order_lead_times') }}
),

final as (
    select
        po_id,
        sku,
        supplier_id,
        order_date,
        expected_date,
        received_date,
        quantity,
        received_quantity,
        promised_lead_time_days,
        realised_lead_time_days,
        days_late,
        is_late,
        is_partial,
        is_open
    from purchase_order_lines
)

select * from final
