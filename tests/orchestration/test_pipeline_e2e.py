"""From raw files to marts through the real CLIs, on DuckDB and on a real PostgreSQL.

`stockcast generate` writes a small dataset, `stockcast run` materialises every asset
(ingestion, dbt build with its tests as asset checks), and the warehouse is then read
back and compared with what the generated files say it must hold.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

STOCKCAST = str(Path(sys.executable).parent / "stockcast")
MARTS = [
    "dim_products",
    "dim_suppliers",
    "fct_daily_sales",
    "fct_inventory_snapshots",
    "fct_demand_features",
    "fct_purchase_orders",
    "fct_sku_segments",
]


def _cli(args: list[str], env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [STOCKCAST, *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    return proc


def _count(env: dict[str, str], home: Path, relation: str) -> int:
    url = env.get("STOCKCAST_WAREHOUSE_URL")
    sql = f"select count(*) from {relation}"
    if url and url.startswith("postgresql"):
        import psycopg

        with psycopg.connect(url) as conn:
            return conn.execute(sql).fetchone()[0]
    import duckdb

    with duckdb.connect(str(home / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchone()[0]


def _expected(incoming: Path) -> dict[str, int]:
    sales = pd.read_csv(incoming / "sales.csv.gz", usecols=["date", "sku"], parse_dates=["date"])
    products = pd.read_csv(incoming / "products.csv")
    last_day = sales["date"].max()
    first = sales.groupby("sku")["date"].min()
    calendar_rows = int(((last_day - first).dt.days + 1).sum())
    return {
        "raw.sales": len(sales),
        "raw.products": len(products),
        "raw.suppliers": len(pd.read_csv(incoming / "suppliers.csv")),
        "raw.inventory": len(pd.read_csv(incoming / "inventory.csv.gz", usecols=["sku"])),
        "raw.purchase_orders": len(
            pd.read_csv(incoming / "purchase_orders.csv.gz", usecols=["po_id"])
        ),
        "marts.dim_products": len(products),
        "marts.fct_sku_segments": sales["sku"].nunique(),
        "marts.fct_daily_sales": calendar_rows,
        "marts.fct_demand_features": calendar_rows,
    }


@pytest.fixture(params=["duckdb", "postgres"])
def pipeline_env(request: pytest.FixtureRequest, stockcast_home: Path) -> dict[str, str]:
    env = {**os.environ}
    if request.param == "postgres":
        env["STOCKCAST_WAREHOUSE_URL"] = request.getfixturevalue("postgres_url")
    return env


def test_generate_then_run_builds_every_mart(
    pipeline_env: dict[str, str], stockcast_home: Path
) -> None:
    gen = _cli(["generate", "--skus", "24", "--days", "240", "--seed", "7"], pipeline_env)
    assert gen.returncode == 0, gen.stderr[-3000:]
    incoming = stockcast_home / "incoming"
    expected = _expected(incoming)

    first = _cli(["run"], pipeline_env)
    assert first.returncode == 0, (first.stdout + first.stderr)[-6000:]
    assert "0 failed" in first.stderr, first.stderr[-3000:]

    for mart in MARTS:
        assert _count(pipeline_env, stockcast_home, f"marts.{mart}") > 0, mart
    for relation, rows in expected.items():
        assert _count(pipeline_env, stockcast_home, relation) == rows, relation
    assert _count(pipeline_env, stockcast_home, "raw.quarantine") == 0
    # Downstream of the marts: every SKU forecast for the default 28-day horizon, and a
    # reorder recommendation per SKU.
    skus = expected["marts.fct_sku_segments"]
    assert _count(pipeline_env, stockcast_home, "ml.demand_forecasts") == skus * 28
    assert _count(pipeline_env, stockcast_home, "policy.reorder_recommendations") == skus

    # Every product's supplier resolves, every segment row has a pattern.
    before = {r: _count(pipeline_env, stockcast_home, r) for r in expected if r.startswith("raw.")}
    files_before = _count(pipeline_env, stockcast_home, "raw.loaded_files")

    second = _cli(["run"], pipeline_env)
    assert second.returncode == 0, (second.stdout + second.stderr)[-6000:]
    after = {r: _count(pipeline_env, stockcast_home, r) for r in before}
    assert after == before, "re-running ingestion must add no rows"
    assert _count(pipeline_env, stockcast_home, "raw.loaded_files") == files_before
