{#
    The columns together identify a row: a composite primary key test (the dbt_utils
    test of the same name, kept in the project so no package is needed). Null parts
    count as values here; pair it with not_null tests on each column.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with duplicated_keys as (
    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as n_rows
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
)

select * from duplicated_keys

{% endtest %}
