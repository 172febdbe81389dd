"""Run the real dbt project on small raw data, on DuckDB and on PostgreSQL.

`dbt build` runs every model, data test and dbt unit test; these tests add what dbt
cannot say by itself: that the marts hold the values a planner expects for a hand-made
history (gaps, two locations, stockouts, late/partial/open purchase orders, a SKU only
in sales), that a sales-only warehouse builds, and that vars come from Python settings.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from orchestration.settings import Settings, get_settings

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_ROOT / "dbt_project"
RAW_DDL = REPO_ROOT / "orchestration" / "sql" / "raw_schema.sql"
DBT = Path(sys.executable).parent / "dbt"
LOADED_AT = dt.datetime(2024, 2, 1, 12, 0)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _day(n: int) -> dt.date:
    return dt.date(2024, 1, n)


# --- raw data -------------------------------------------------------------------------

PRODUCTS = [
    # sku, name, category, supplier_id, unit_cost, unit_price, pack_size, shelf_life_days
    ("P1", "Widget", "tools", "SUP1", 4.0, 10.0, 6.0, None),
    ("P2", "Gadget", None, None, None, None, None, 30.0),
]
SUPPLIERS = [
    # supplier_id, name, lead_time_days, min_order_qty, lead_time_std_days, order_cost
    ("SUP1", "Acme", 7.0, 12.0, 2.0, 40.0),
]
SALES = (
    # date, sku, location, quantity, unit_price, discount, promo
    [(_day(d), "P1", "", 5.0, 10.0, 0.0, False) for d in range(1, 11) if d not in (2, 3)]
    + [
        (_day(2), "P1", "north", 2.0, 10.0, 0.0, True),
        (_day(2), "P1", "south", 3.0, 9.0, 0.1, False),
    ]
    + [(_day(5), "P2", "", 1.0, 8.0, None, None), (_day(10), "P2", "", 2.0, None, None, None)]
    + [(_day(8), "X", "", 4.0, 3.0, None, None)]
)
INVENTORY = [
    # date, sku, on_hand, on_order, in_transit, backordered_qty
    (_day(d), "P1", 0.0 if d == 4 else 20.0, 10.0, None, 1.0 if d == 6 else None)
    for d in range(1, 11)
]
PURCHASE_ORDERS = [
    # po_id, sku, supplier_id, order_date, quantity, expected_date, received_date, received_qty
    ("PO1", "P1", "SUP1", _day(1), 10.0, _day(5), _day(7), 6.0),  # late and partial
    ("PO2", "P2", None, _day(2), 5.0, _day(4), None, None),  # open, late on the as-of date
    ("PO3", "P1", "SUP1", _day(1), 10.0, _day(8), _day(6), 10.0),  # early, complete
]
COLUMNS = {
    "products": "sku, name, category, supplier_id, unit_cost, unit_price, pack_size, "
    "shelf_life_days",
    "suppliers": "supplier_id, name, lead_time_days, min_order_qty, lead_time_std_days, order_cost",
    "sales": "date, sku, location, quantity, unit_price, discount, promo",
    "inventory": "date, sku, on_hand, on_order, in_transit, backordered_qty",
    "purchase_orders": "po_id, sku, supplier_id, order_date, quantity, expected_date, "
    "received_date, received_quantity",
}


class Warehouse:
    """A DB-API connection to DuckDB or PostgreSQL with the raw layer created."""

    def __init__(self, conn: Any, placeholder: str) -> None:
        self.conn = conn
        self.placeholder = placeholder
        self.conn.execute(RAW_DDL.read_text())

    def insert(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert rows into raw.<table>, adding the lineage columns the loader writes."""
        columns = COLUMNS[table] + ", _source_file, _source_row, _loaded_at"
        marks = ", ".join([self.placeholder] * len(columns.split(",")))
        lineage = [(*row, f"{table}.csv", i, LOADED_AT) for i, row in enumerate(rows, 1)]
        self.conn.cursor().executemany(
            f"insert into raw.{table} ({columns}) values ({marks})", lineage
        )

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        """All rows of a query."""
        return self.conn.execute(sql).fetchall()

    def one(self, sql: str) -> tuple[Any, ...]:
        """The single row of a query."""
        rows = self.query(sql)
        assert len(rows) == 1, rows
        return rows[0]


def _settings(home: Path, url: str | None) -> Settings:
    (home / "stockcast.yaml").write_text("defaults:\n  category: misc\n  unit_cost_ratio: 0.5\n")
    env = {"STOCKCAST_HOME": str(home)}
    if url:
        env["STOCKCAST_WAREHOUSE_URL"] = url
    return get_settings(env)


def _dbt(settings: Settings, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run dbt as Dagster does: env from Settings.dbt_env(), vars from Settings.dbt_vars()."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOCKCAST_")}
    env.update(settings.dbt_env())
    cmd = [
        str(DBT),
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
    ]
    if args[0] == "build":
        cmd += ["--vars", json.dumps(settings.dbt_vars())]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    return result


def _load_full_history(wh: Warehouse) -> None:
    wh.insert("products", PRODUCTS)
    wh.insert("suppliers", SUPPLIERS)
    wh.insert("sales", SALES)
    wh.insert("inventory", INVENTORY)
    wh.insert("purchase_orders", PURCHASE_ORDERS)


def _check_full_history(wh: Warehouse) -> None:
    """What the marts must say about the hand-made history, on either database."""
    p1 = wh.query(
        "select date, quantity, revenue, is_promo, on_hand, is_stockout "
        "from marts.fct_daily_sales where sku = 'P1' order by date"
    )
    assert [row[0] for row in p1] == [_day(d) for d in range(1, 11)]
    by_day = {row[0].day: row for row in p1}
    assert by_day[2][1] == 5.0 and by_day[2][2] == pytest.approx(47.0)  # 2 x 10 + 3 x 9
    assert by_day[2][3] is True
    assert by_day[3][1] == 0.0  # no sales line: zero demand
    assert [d for d, row in by_day.items() if row[5]] == [4, 6]  # on_hand 0, backorder 1

    # X only appears in sales, from its first sale to the last sales date of all SKUs.
    assert wh.one("select count(*), min(date) from marts.fct_daily_sales where sku = 'X'") == (
        3,
        _day(8),
    )
    x = wh.one(
        "select category, supplier_id, unit_price, unit_cost, pack_size, is_from_sales_only "
        "from marts.dim_products where sku = 'X'"
    )
    assert x == ("misc", "UNKNOWN", 3.0, pytest.approx(1.5), 1.0, True)
    p2 = wh.one(
        "select supplier_id, unit_price, unit_cost from marts.dim_products where sku = 'P2'"
    )
    assert p2 == ("UNKNOWN", 8.0, pytest.approx(4.0))

    suppliers = dict(
        (row[0], row[1:])
        for row in wh.query(
            "select supplier_id, lead_time_days, n_receipts, on_time_rate, has_supplier_record "
            "from marts.dim_suppliers"
        )
    )
    assert suppliers["SUP1"] == (7.0, 2, pytest.approx(0.5), True)
    assert suppliers["UNKNOWN"] == (14.0, 0, None, False)

    pos = {
        row[0]: row[1:]
        for row in wh.query(
            "select po_id, supplier_id, promised_lead_time_days, realised_lead_time_days, "
            "days_late, is_late, is_partial, is_open from marts.fct_purchase_orders"
        )
    }
    assert pos["PO1"] == ("SUP1", 4, 6, 2, True, True, False)
    assert pos["PO2"] == ("UNKNOWN", 2, None, None, True, False, True)
    assert pos["PO3"] == ("SUP1", 7, 5, -2, False, False, False)

    position = wh.one(
        "select inventory_position from marts.fct_inventory_snapshots "
        "where sku = 'P1' and date = '2024-01-06'"
    )
    assert position == (29.0,)  # 20 on hand + 10 on order - 1 backordered
    segments = wh.query("select sku, abc_class from marts.fct_sku_segments order by sku")
    assert [row[0] for row in segments] == ["P1", "P2", "X"]
    assert segments[0][1] == "A"


@pytest.fixture
def duckdb_warehouse(tmp_path: Path) -> Iterator[tuple[Settings, Warehouse]]:
    import duckdb

    home = tmp_path / "home"
    home.mkdir()
    settings = _settings(home, None)
    conn = duckdb.connect(str(settings.duckdb_path))
    yield settings, Warehouse(conn, "?")
    conn.close()


def _reopen(settings: Settings) -> Warehouse:
    import duckdb

    return Warehouse(duckdb.connect(str(settings.duckdb_path), read_only=False), "?")


def test_dbt_parse_needs_no_database(tmp_path: Path) -> None:
    settings = _settings(tmp_path, None)
    _dbt(settings, tmp_path, "parse")
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    models = {
        n["name"]: n["schema"] for n in manifest["nodes"].values() if n["resource_type"] == "model"
    }
    assert models["fct_daily_sales"] == "marts"
    assert models["int_sku_calendar_filled"] == "intermediate"
    assert models["stg_raw__sales"] == "staging"
    sources = [s for s in manifest["sources"].values() if s["source_name"] == "raw"]
    assert {s["meta"]["dagster"]["asset_key"][1] for s in sources} == set(COLUMNS)
    assert not settings.duckdb_path.exists()


def test_build_on_duckdb(duckdb_warehouse: tuple[Settings, Warehouse], tmp_path: Path) -> None:
    settings, wh = duckdb_warehouse
    _load_full_history(wh)
    wh.conn.close()  # dbt needs the file to itself
    _dbt(settings, tmp_path, "build")
    _check_full_history(_reopen(settings))


def test_build_with_sales_only_on_duckdb(
    duckdb_warehouse: tuple[Settings, Warehouse], tmp_path: Path, store_item_sales_path: Path
) -> None:
    settings, wh = duckdb_warehouse
    rows = []
    with gzip.open(store_item_sales_path, "rt") as f:
        next(f)
        for line in f:
            date, store, item, sales = line.rstrip().split(",")
            if int(store) <= 2 and int(item) <= 3:
                sku = f"S{int(store):02d}-I{int(item):02d}"
                rows.append((dt.date.fromisoformat(date), sku, "", float(sales), None, None, None))
    wh.insert("sales", rows)
    wh.conn.close()
    _dbt(settings, tmp_path, "build")
    wh = _reopen(settings)
    assert wh.one("select count(*), min(is_from_sales_only::int) from marts.dim_products") == (6, 1)
    assert wh.query("select supplier_id from marts.dim_suppliers") == [("UNKNOWN",)]
    assert wh.one("select count(*) from marts.fct_daily_sales") == (len(rows),)
    assert wh.one("select count(*), count(distinct abc_class) from marts.fct_sku_segments")[0] == 6
    # No stock data: nothing can be called a stockout.
    assert wh.one("select count(*) from marts.fct_daily_sales where is_stockout") == (0,)


@pytest.mark.postgres
def test_build_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    import psycopg

    settings = _settings(tmp_path, postgres_url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        _load_full_history(Warehouse(conn, "%s"))
    _dbt(settings, tmp_path, "build")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        _check_full_history(Warehouse(conn, "%s"))
