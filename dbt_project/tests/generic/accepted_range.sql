{#
    Every non-null value lies in [min_value, max_value] (bounds optional; exclusive when
    inclusive=false). Written here instead of taken from dbt_utils: the project installs
    no dbt packages, so `dbt deps` never needs the network.
#}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}

with checked as (
    select {{ column_name }} as value
    from {{ model }}
    where {{ column_name }} is not null
),

out_of_range as (
    select *
    from checked
    where 1 = 0
    {%- if min_value is not none %}
        or value {{ '<' if inclusive else '<=' }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
        or value {{ '>' if inclusive else '>=' }} {{ max_value }}
    {%- endif %}
)

select * from out_of_range

{% endtest %}
