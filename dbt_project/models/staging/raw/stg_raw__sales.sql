with source as (
    select * from {{ source('raw', 'sales') }}
),

final as (
    select
        cast(date as date) as sales_date,
        cast(sku as {{ dbt.type_string() }}) as sku,
        cast(location as {{ dbt.type_string() }}) as location,
        cast(quantity as {{ type_double() }}) as quantity,
        cast(unit_price as {{ type_double() }}) as unit_price,
        cast(discount as {{ type_double() }}) as discount,
        cast(promo as {{ dbt.type_boolean() }}) as is_promo
    from source
)

select * from final
