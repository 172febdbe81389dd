-- The raw layer: one table per entity of the file contract (docs/data-contract.md),
-- plus the quarantine of rejected rows and the ledger of loaded files.
-- Portable DDL: the same statements run on DuckDB and PostgreSQL.
-- Every data row keeps its lineage: which file, which row (1-based, header excluded).

create schema if not exists raw;

create table if not exists raw.products (
    sku varchar not null primary key,
    name varchar,
    category varchar,
    supplier_id varchar,
    unit_cost double precision,
    unit_price double precision,
    pack_size double precision,
    shelf_life_days double precision,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

create table if not exists raw.suppliers (
    supplier_id varchar not null primary key,
    name varchar,
    lead_time_days double precision,
    min_order_qty double precision,
    lead_time_std_days double precision,
    order_cost double precision,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null
);

create table if not exists raw.sales (
    date date not null,
    sku varchar not null,
    location varchar not null default '',
    quantity double precision not null,
    unit_price double precision,
    discount double precision,
    promo boolean,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null,
    primary key (date, sku, location)
);

create table if not exists raw.inventory (
    date date not null,
    sku varchar not null,
    on_hand double precision not null,
    on_order double precision not null,
    in_transit double precision,
    backordered_qty double precision,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null,
    primary key (date, sku)
);

create table if not exists raw.purchase_orders (
    po_id varchar not null,
    sku varchar not null,
    supplier_id varchar,
    order_date date not null,
    quantity double precision not null,
    expected_date date,
    received_date date,
    received_quantity double precision,
    _source_file varchar not null,
    _source_row bigint not null,
    _loaded_at timestamp not null,
    primary key (po_id, sku)
);

create table if not exists raw.quarantine (
    entity varchar not null,
    source_file varchar not null,
    source_row bigint,
    column_name varchar,
    value varchar,
    reason varchar not null,
    record varchar,
    file_sha256 varchar,
    quarantined_at timestamp not null
);

create table if not exists raw.loaded_files (
    file_sha256 varchar not null primary key,
    entity varchar not null,
    source_file varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    loaded_at timestamp not null
);
