"""The forecasting assets in the whole graph: ingestion -> dbt -> ml shards -> policy.

The graph is run the way ``stockcast run`` runs it (``orchestration.runner.run_all``:
unpartitioned stages, then one in-process run per SKU shard), on DuckDB and PostgreSQL.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from dagster_dbt import DbtCliResource

from orchestration.defs.dbt.assets import DBT_EXECUTABLE, dbt_project, stockcast_dbt_models
from orchestration.defs.forecasting import forecasting_assets, sku_shards
from orchestration.defs.forecasting.assets import BACKTEST_KEY, FORECASTS_KEY, MODEL_KEY
from orchestration.defs.forecasting.inputs import FORECAST_COLUMNS, forecast_config, forecast_rows
from orchestration.defs.forecasting.partitions import N_SHARDS, shard_of, skus_in_shard
from orchestration.defs.ingestion.assets import ingestion_assets
from orchestration.defs.policy import policy_assets
from orchestration.resources import StockcastResource
from orchestration.runner import run_all
from orchestration.settings import get_settings
from orchestration.warehouse import Warehouse
from tests.orchestration.forecasting.conftest import HORIZON

QUANTILES = ["p10", "p50", "p90", "p95", "p99"]
# The policy replay needs more history than this tiny dataset has (it fails inside
# policy.simulation on 200 days); everything else downstream of the forecasts runs.
EVERYTHING_BUT_REPLAY = 'not key:"policy/policy_simulation"'


def _defs(home: Path, warehouse_url: str | None = None) -> dg.Definitions:
    # The shared dbt resource appends the --target of the environment it was imported in
    # (DuckDB here); a run on PostgreSQL in the same process needs its own target.
    dbt_resource = DbtCliResource(
        project_dir=dbt_project,
        dbt_executable=DBT_EXECUTABLE,
        target="postgres" if warehouse_url else "duckdb",
    )
    return dg.Definitions(
        assets=[*ingestion_assets, stockcast_dbt_models, *forecasting_assets, *policy_assets],
        resources={
            "stockcast": StockcastResource(home=str(home), warehouse_url=warehouse_url),
            "dbt": dbt_resource,
        },
    )


@pytest.mark.unit
def test_shards_are_stable_and_cover_every_sku() -> None:
    """crc32 sharding: deterministic, every SKU in exactly one shard."""
    skus = [f"SKU-{i:04d}" for i in range(200)]
    shards = [skus_in_shard(skus, k, N_SHARDS) for k in sku_shards.get_partition_keys()]
    assert sorted(s for part in shards for s in part) == sorted(skus)
    assert shard_of("SKU-0001", 4) == shard_of("SKU-0001", 4)
    assert all(part for part in shards)  # 200 SKUs leave no shard empty


@pytest.mark.unit
def test_forecast_rows_from_an_artifact_saved_before_the_mean_column() -> None:
    new = pd.DataFrame(
        {
            "sku": ["A"],
            "forecast_date": pd.Timestamp("2024-01-01"),
            "target_date": pd.Timestamp("2024-01-02"),
            "horizon": [1.0],
            "p10": [0.0],
            "p50": [1.0],
            "p90": [3.0],
            "p95": [4.0],
            "p99": [6.0],
            "mean": [2.0],
            "model": "tsb",
            "flags": "",
        }
    )
    rows = forecast_rows(new, "run-1")
    assert list(rows.columns) == FORECAST_COLUMNS and rows["horizon"].dtype == "int64"
    assert rows.loc[0, "mean"] == 2.0 and rows.loc[0, "run_id"] == "run-1"
    old = forecast_rows(new.drop(columns="mean"), "run-1")  # p50 was the mean then
    assert old.loc[0, "mean"] == old.loc[0, "p50"] == 1


@pytest.mark.unit
def test_config_from_settings_rejects_typos() -> None:
    """The yaml section maps onto ForecastConfig; `shards` is ours; a typo fails loudly."""
    config = forecast_config({"horizon": 14, "shards": 8, "models": ["tsb"]})
    assert config.horizon == 14 and config.models == ("tsb",)
    assert forecast_config({}).horizon == 28
    with pytest.raises(ValueError, match="horizn"):
        forecast_config({"horizn": 14})


@pytest.mark.unit
def test_graph_loads_with_policy_downstream() -> None:
    """Keys, group, pools, partitions; the unpartitioned policy assets still load."""
    defs = _defs(Path("/nonexistent"))
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    for key in (MODEL_KEY, FORECASTS_KEY, BACKTEST_KEY):
        node = graph.get(key)
        assert node.group_name == "ml" and node.partitions_def == sku_shards
        assert node.automation_condition is not None
    pools = {a.key: a.op.pool for a in forecasting_assets}
    assert pools == {MODEL_KEY: None, FORECASTS_KEY: "warehouse", BACKTEST_KEY: "warehouse"}
    assert (
        FORECASTS_KEY in graph.get(dg.AssetKey(["policy", "reorder_recommendations"])).parent_keys
    )


def _check_tables(wh: Warehouse) -> pd.DataFrame:
    fc = wh.read_table("ml", "demand_forecasts")
    sales_skus = set(wh.read_table("marts", "fct_sku_segments", ["sku"])["sku"])
    assert set(fc["sku"]) == sales_skus
    assert (fc.groupby("sku").size() == HORIZON).all()
    assert not fc.duplicated(["sku", "target_date"]).any()
    q = fc[QUANTILES].to_numpy()
    assert (q >= 0).all()
    assert (q[:, :-1] <= q[:, 1:] + 1e-9).all(), "quantiles must be monotone"
    assert fc["mean"].notna().all() and (fc["mean"] >= 0).all()  # expected demand
    assert sorted(fc["horizon"].unique()) == list(range(1, HORIZON + 1))
    assert fc["model"].notna().all() and fc["run_id"].nunique() == N_SHARDS

    bt = wh.read_table("ml", "forecast_backtest_metrics")
    per_sku = bt[bt["level"] == "sku"]
    assert not per_sku["sku"].duplicated().any()
    assert set(per_sku["sku"]) <= sales_skus and len(per_sku) > 0
    assert (bt["level"] == "class").any()
    assert (per_sku["mae"] >= 0).all()
    assert per_sku["smape"].between(0, 2).all()  # every metric per SKU, not only per class
    return fc


def _run_graph(home: Path, warehouse_url: str | None = None) -> None:
    instance = dg.DagsterInstance.ephemeral()
    report = run_all(_defs(home, warehouse_url), instance, selection=EVERYTHING_BUT_REPLAY)
    assert report.success, [(s.name, s.partition, s.failed_steps) for s in report.stages]
    shard_stages = [s for s in report.stages if s.partition]
    assert sorted(s.partition for s in shard_stages) == sku_shards.get_partition_keys()
    assert all(s.materialized == 3 for s in shard_stages)

    wh = Warehouse.from_settings(get_settings())
    first = _check_tables(wh)
    recs = wh.read_table("policy", "reorder_recommendations")
    assert len(recs) > 0  # the policy stage consumed the forecasts

    # Re-running the ML shards replaces their rows rather than adding to them.
    report = run_all(_defs(home, warehouse_url), instance, selection="group:ml")
    assert report.success
    second = _check_tables(wh)
    assert len(second) == len(first)
    assert set(second["run_id"]).isdisjoint(first["run_id"])
    settings = get_settings()
    artifacts = sorted((settings.artifacts_dir / "forecasting").glob("*.joblib"))
    assert len(artifacts) == N_SHARDS


@pytest.mark.integration
@pytest.mark.slow
def test_whole_graph_forecasts_every_sku_duckdb(forecast_home: Path) -> None:
    """ingestion -> dbt -> shards -> policy on DuckDB; a re-run replaces each shard."""
    _run_graph(forecast_home)


@pytest.mark.integration
@pytest.mark.slow
@pytest.mark.postgres
def test_whole_graph_forecasts_every_sku_postgres(
    forecast_home: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same on a real PostgreSQL warehouse."""
    monkeypatch.setenv("STOCKCAST_WAREHOUSE_URL", postgres_url)
    _run_graph(forecast_home, postgres_url)
