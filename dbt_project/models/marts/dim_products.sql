{#
    Every SKU the warehouse knows of: the products file, plus any SKU that only shows up
    in sales, inventory or purchase orders. Works with a sales file alone: then names,
    categories, suppliers, pack sizes and costs come from the project vars and the unit
    price from the average price seen in sales (null when sales carry no prices either).
#}
with products as (
    select * from {{ ref('stg_raw__products') }}
),

daily_sales as (
    select * from {{ ref('int_sales_daily_by_sku') }}
),

sales_summaries as (
    select
        sku,
        min(sales_date) as first_sale_date,
        max(sales_date) as last_sale_date,
        coalesce(
            sum(case when unit_price is not null then quantity * unit_price end)
            / nullif(sum(case when unit_price is not null then quantity end), 0),
            avg(unit_price)
        ) as mean_sales_price
    from daily_sales
    group by sku
),

known_skus as (
    select sku from products
    union
    select sku from sales_summaries
    union
    select sku from {{ ref('stg_raw__inventory') }}
    union
    select sku from {{ ref('stg_raw__purchase_orders') }}
),

priced as (
    select
        known_skus.sku,
        products.sku is null as is_from_sales_only,
        products.product_name,
        products.category,
        products.supplier_id,
        products.unit_cost,
        coalesce(products.unit_price, sales_summaries.mean_sales_price) as unit_price,
        products.pack_size,
        products.shelf_life_days,
        sales_summaries.first_sale_date,
        sales_summaries.last_sale_date
    from known_skus
    left join products
        on known_skus.sku = products.sku
    left join sales_summaries
        on known_skus.sku = sales_summaries.sku
),

final as (
    select
        sku,
        coalesce(product_name, sku) as name,
        coalesce(category, {{ var_string('default_category') }}) as category,
        coalesce(supplier_id, {{ var_string('default_supplier_id') }}) as supplier_id,
        coalesce(unit_cost, unit_price * {{ var_number('default_unit_cost_ratio') }}) as unit_cost,
        unit_price,
        coalesce(pack_size, {{ var_number('default_pack_size') }}) as pack_size,
        shelf_life_days,
        first_sale_date,
        last_sale_date,
        is_from_sales_only
    from priced
)

select * from final
