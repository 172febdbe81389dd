"""fct_backorder_features on generated data: no look-ahead, null labels at the end, PostgreSQL.

The leakage test is the mart's contract in executable form: build it, delete every raw
row dated after a snapshot (sales, inventory, purchase orders placed later; receipts
after it become "not yet received"), rebuild, and the features of that snapshot and of
every earlier one must be exactly what they were. Only labels may change. The label
window's edge cases are pinned by dbt unit tests in the models' yml (run by
``dbt build``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from ml.backorder import FEATURE_COLUMNS
from ml.datagen import generate
from orchestration.ingestion import ingest_entity
from orchestration.settings import ENTITIES, Settings, get_settings
from orchestration.warehouse import Warehouse

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_DIR = REPO_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"
SELECT = "+fct_backorder_features"
KEY = ["sku", "snapshot_date"]

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _settings(home: Path, url: str | None = None) -> Settings:
    env = {"STOCKCAST_HOME": str(home)}
    if url:
        env["STOCKCAST_WAREHOUSE_URL"] = url
    return get_settings(env)


def _load(settings: Settings, skus: int, days: int) -> None:
    """Generate a small history and ingest it the way the raw assets do."""
    generate(out_dir=settings.incoming_dir, n_skus=skus, n_days=days, seed=3)
    settings.ensure_dirs()
    warehouse = Warehouse.from_settings(settings)
    for entity in ENTITIES:
        ingest_entity(warehouse, settings, entity)


def _dbt(settings: Settings, work: Path, command: str = "build") -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STOCKCAST_")}
    env.update(settings.dbt_env())
    cmd = [
        str(DBT), command, "--select", SELECT, "--indirect-selection", "cautious",
        "--target", settings.dbt_target,
        "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR),
        "--target-path", str(work / "target"), "--log-path", str(work / "logs"),
        "--vars", json.dumps(settings.dbt_vars()),
    ]  # fmt: skip
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def _mart(settings: Settings) -> pd.DataFrame:
    frame = Warehouse.from_settings(settings).read_table("marts", "fct_backorder_features")
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"])
    return frame.sort_values(KEY).reset_index(drop=True)


@pytest.fixture(scope="module")
def duckdb_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, Path, pd.DataFrame]:
    """A DuckDB warehouse with 30 SKUs x 330 days and the mart built once."""
    work = tmp_path_factory.mktemp("backorder_features")
    settings = _settings(work / "home")
    _load(settings, skus=30, days=330)
    _dbt(settings, work)
    return settings, work, _mart(settings)


def test_mart_shape_and_labels(duckdb_build: tuple[Settings, Path, pd.DataFrame]) -> None:
    """Public columns present, one row per SKU-week, positives exist, tail is unlabelled."""
    _, _, mart = duckdb_build
    assert set(FEATURE_COLUMNS) <= set(mart.columns)
    assert not mart.duplicated(KEY).any()
    assert (mart["snapshot_date"].dt.dayofweek == 0).all()  # Mondays
    labelled = mart[mart["is_labelled"]]
    assert set(labelled["went_on_backorder"]) == {"Yes", "No"}
    tail = mart[~mart["is_labelled"]]
    assert len(tail) and tail["went_on_backorder"].isna().all()
    # The unlabelled tail is exactly the last 8 weeks of snapshots.
    last = mart["snapshot_date"].max()
    assert tail["snapshot_date"].min() > last - pd.Timedelta(weeks=8)


def test_no_feature_uses_data_after_the_snapshot(
    duckdb_build: tuple[Settings, Path, pd.DataFrame],
) -> None:
    """Deleting everything after snapshot s leaves the features of s and earlier unchanged."""
    settings, work, before = duckdb_build
    dates = sorted(before["snapshot_date"].unique())
    cut = pd.Timestamp(dates[int(len(dates) * 0.6)])
    cut_date = cut.date()

    conn = duckdb.connect(str(settings.duckdb_path))
    try:
        counts = {
            "sales": conn.execute("delete from raw.sales where date > ?", [cut_date]).fetchone(),
            "inventory": conn.execute(
                "delete from raw.inventory where date > ?", [cut_date]
            ).fetchone(),
            "orders": conn.execute(
                "delete from raw.purchase_orders where order_date > ?", [cut_date]
            ).fetchone(),
            "receipts": conn.execute(
                "update raw.purchase_orders set received_date = null, received_quantity = null "
                "where received_date > ?",
                [cut_date],
            ).fetchone(),
        }
    finally:
        conn.close()
    assert all(n[0] > 0 for n in counts.values()), counts  # the cut really removed data

    _dbt(settings, work, "run")
    after = _mart(settings)
    assert after["snapshot_date"].max() == cut

    columns = [*KEY, *FEATURE_COLUMNS]
    old = before.loc[before["snapshot_date"] <= cut, columns].reset_index(drop=True)
    new = after[columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(old, new, check_dtype=False)
    # The label is the only thing allowed to change: near the cut it is now unknown.
    recent = after[after["snapshot_date"] > cut - pd.Timedelta(weeks=8)]
    assert recent["went_on_backorder"].isna().all()


@pytest.mark.postgres
def test_mart_builds_on_postgres_with_the_same_values(postgres_url: str, tmp_path: Path) -> None:
    """The same generated history gives the same features on PostgreSQL as on DuckDB."""
    pg = _settings(tmp_path / "pg", postgres_url)
    local = _settings(tmp_path / "duck")
    for settings in (pg, local):
        _load(settings, skus=8, days=240)
        _dbt(settings, tmp_path / settings.dbt_target)
    a, b = _mart(pg), _mart(local)
    assert len(a) > 0
    pd.testing.assert_frame_equal(a[KEY], b[KEY], check_dtype=False)
    exact = [c for c in a.columns if a[c].dtype == object] + ["is_labelled"]
    pd.testing.assert_frame_equal(a[exact], b[exact], check_dtype=False)
    # Whole-number features are rounded floating-point sums: an exact .5 may round apart
    # on the two engines; supplier shares and lead times are rounded to 0.01 / 0.1.
    counts = [c for c in FEATURE_COLUMNS if c not in exact and not c.startswith(("perf", "lead"))]
    assert (a[counts] - b[counts]).abs().max().max() <= 1
    ratios = ["perf_6_month_avg", "perf_12_month_avg", "lead_time"]
    pd.testing.assert_frame_equal(a[ratios], b[ratios], check_dtype=False, atol=0.1)


def test_snapshot_dates_are_dates(duckdb_build: tuple[Settings, Path, pd.DataFrame]) -> None:
    """snapshot_date and label_window_end are plain dates 7N days apart."""
    _, _, mart = duckdb_build
    gap = pd.to_datetime(mart["label_window_end"]) - mart["snapshot_date"]
    assert (gap == pd.Timedelta(days=56)).all()
    assert isinstance(mart["snapshot_date"].iloc[0], pd.Timestamp | dt.date)
