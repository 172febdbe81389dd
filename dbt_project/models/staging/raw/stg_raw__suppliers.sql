with source as (
    select * from {{ source('raw', 'suppliers') }}
),

final as (
    select
        cast(supplier_id as {{ dbt.type_string() }}) as supplier_id,
        cast(name as {{ dbt.type_string() }}) as supplier_name,
        cast(lead_time_days as {{ type_double() }}) as lead_time_days,
        cast(lead_time_std_days as {{ type_double() }}) as lead_time_std_days,
        cast(min_order_qty as {{ type_double() }}) as min_order_qty,
        cast(order_cost as {{ type_double() }}) as order_cost
    from source
)

select * from final
