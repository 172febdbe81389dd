with source as (
    select * from {{ source('raw', 'products') }}
),

final as (
    select
        cast(sku as {{ dbt.type_string() }}) as sku,
        cast(name as {{ dbt.type_string() }}) as product_name,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(supplier_id as {{ dbt.type_string() }}) as supplier_id,
        cast(unit_cost as {{ type_double() }}) as unit_cost,
        cast(unit_price as {{ type_double() }}) as unit_price,
        cast(pack_size as {{ type_double() }}) as pack_size,
        cast(shelf_life_days as {{ type_double() }}) as shelf_life_days
    from source
)

select * from final
