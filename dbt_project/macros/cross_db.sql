{#
    The few expressions that differ between DuckDB and PostgreSQL. Everything else in
    the project uses dbt's own cross-database macros (dbt.dateadd, dbt.datediff, ...).
#}

{#
    A set-returning select-list expression: one row per day from start_date to end_date,
    both included, typed date. Used per row (per SKU) in a select, so it expands in place.
    DuckDB's generate_series returns a list of timestamps (unnest it); PostgreSQL's is a
    set-returning function over timestamps.
#}
{% macro date_series(start_date, end_date) -%}
    {{ return(adapter.dispatch('date_series', 'stockcast')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_series(start_date, end_date) -%}
    cast(generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval '1 day'
    ) as date)
{%- endmacro %}

{% macro duckdb__date_series(start_date, end_date) -%}
    cast(unnest(generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval '1 day'
    )) as date)
{%- endmacro %}

{# ISO day of week as an integer: 1 = Monday ... 7 = Sunday. #}
{% macro day_of_week(date_expr) -%}
    {{ return(adapter.dispatch('day_of_week', 'stockcast')(date_expr)) }}
{%- endmacro %}

{% macro default__day_of_week(date_expr) -%}
    cast(extract(isodow from {{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{% macro duckdb__day_of_week(date_expr) -%}
    cast(isodow({{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{# Month number 1-12 as an integer (extract returns numeric on PostgreSQL). #}
{% macro month_of_year(date_expr) -%}
    cast(extract(month from {{ date_expr }}) as {{ dbt.type_int() }})
{%- endmacro %}

{#
    A double-precision float on both databases: dbt.type_float() is "float", which is
    single precision (FLOAT4) on DuckDB but double on PostgreSQL.
#}
{% macro type_double() -%}
    double precision
{%- endmacro %}

{# A numeric project var as a typed double-precision literal. #}
{% macro var_number(name) -%}
    cast({{ var(name) }} as {{ type_double() }})
{%- endmacro %}

{# A string project var as a quoted, escaped literal. #}
{% macro var_string(name) -%}
    '{{ dbt.escape_single_quotes(var(name) | string) }}'
{%- endmacro %}
