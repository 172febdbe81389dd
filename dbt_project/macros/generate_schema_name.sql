{#
    Build each layer into the schema it is named after (staging, intermediate, marts),
    with no target prefix: Dagster asset keys and the Python readers name these schemas
    as they are, on DuckDB and PostgreSQL alike.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
