with source as (
    select * from {{ ref('holidays') }}
),

final as (
    select
        cast(date as date) as holiday_date,
        cast(name as {{ dbt.type_string() }}) as holiday_name
    from source
)

select * from final
