"""A small generated warehouse built once (ingestion + dbt through `stockcast run`), copied
per test, plus helpers that stand in for the forecasting and backorder assets."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.defs.policy.assets import MART_RELATIONS
from orchestration.warehouse import Warehouse

STOCKCAST = str(Path(sys.executable).parent / "stockcast")
LEVELS = {"p10": 0.1, "p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home with generated data (30 SKUs x 400 days) through ingestion and dbt."""
    from ml.datagen import generate

    home = tmp_path_factory.mktemp("policy_home")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("STOCKCAST_WAREHOUSE_URL", "STOCKCAST_CONFIG")
    }
    env.update(STOCKCAST_HOME=str(home), DAGSTER_HOME=str(home / "dagster"))
    generate(home / "incoming", n_skus=30, n_days=400, seed=11)
    select = " or ".join(f'+key:"{schema}/{table}"' for schema, table in MART_RELATIONS.values())
    proc = subprocess.run(
        [STOCKCAST, "run", "--select", select], env=env, capture_output=True, text=True, timeout=900
    )
    if proc.returncode != 0:
        # dbt also runs tests that other models attach to these marts; while those models
        # are being built elsewhere such a test can fail. What these tests need is the six
        # marts, so they go on when every one was built, and say so.
        wh = Warehouse("duckdb", duckdb_path=home / "warehouse.duckdb")
        missing = [
            f"{s}.{t}"
            for s, t in MART_RELATIONS.values()
            if not wh.table_exists(s, t) or wh.row_count(s, t) == 0
        ]
        assert not missing, f"marts {missing} not built:\n{(proc.stdout + proc.stderr)[-4000:]}"
        warnings.warn(
            f"`stockcast run` failed outside the policy inputs:\n{proc.stderr[-1500:]}",
            stacklevel=1,
        )
    return home


@pytest.fixture
def policy_home(built_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the built home's warehouse for one test (tests may write to it)."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(built_home / "warehouse.duckdb", home / "warehouse.duckdb")
    monkeypatch.setenv("STOCKCAST_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.delenv("STOCKCAST_WAREHOUSE_URL", raising=False)
    monkeypatch.delenv("STOCKCAST_CONFIG", raising=False)
    return home


def synthetic_forecasts(wh: Warehouse, horizon: int = 35, scale: float = 1.0) -> pd.DataFrame:
    """Write ``ml.demand_forecasts`` as the forecasting asset would (two runs, latest wins).

    Each SKU's ``mean`` is its mean daily sales of the last 28 days times ``scale``;
    quantiles from a gamma with that mean and a coefficient of variation of 0.6.
    """
    from scipy import stats

    sales = wh.read_table("marts", "fct_daily_sales", ["sku", "date", "quantity"])
    sales["date"] = pd.to_datetime(sales["date"])
    as_of = sales["date"].max()
    recent = sales[sales["date"] > as_of - pd.Timedelta(days=28)]
    mean = recent.groupby("sku")["quantity"].mean().clip(lower=0.05) * scale
    rows = []
    for run, forecast_date in enumerate([as_of - pd.Timedelta(days=7), as_of]):
        dates = pd.date_range(forecast_date + pd.Timedelta(days=1), periods=horizon)
        frame = pd.DataFrame(
            {
                "sku": np.repeat(mean.index.to_numpy(), horizon),
                "forecast_date": forecast_date,
                "target_date": np.tile(dates, len(mean)),
                "horizon": np.tile(np.arange(1, horizon + 1), len(mean)),
            }
        )
        mu = np.repeat(mean.to_numpy(), horizon)
        shape = 1 / 0.6**2
        for col, level in LEVELS.items():
            frame[col] = stats.gamma.ppf(level, a=shape, scale=mu / shape)
        frame["mean"] = mu
        frame["model"] = "test_gamma"
        frame["run_id"] = f"run-{run}"
        rows.append(frame)
    out = pd.concat(rows, ignore_index=True)
    wh.write_table(out, "ml", "demand_forecasts", keys=["sku", "forecast_date", "target_date"])
    return out
