"""Forecasting assets: fit per SKU shard, then write forecasts and backtest metrics.

Thin by design: the shard's rows are read through the warehouse, everything else is
:func:`ml.forecasting.fit_forecast`. ``demand_forecast_model`` holds no pool, so shards fit
side by side under the multiprocess executor (or a Kubernetes/Celery launcher); the two
writers share the ``warehouse`` pool, which the instance limits to 1 on DuckDB (a single
writer file) and leaves unlimited on PostgreSQL.

All three carry ``AutomationCondition.eager()``: with the automation daemon on, every shard
is re-forecast once the marts refresh (the daily schedule or the incoming-files sensor),
and the writers follow their shard's model.
"""

import time
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from ml.forecasting import fit_forecast, load_artifact, save_artifact
from orchestration.defs.dbt.assets import stockcast_dbt_models
from orchestration.defs.forecasting.inputs import (
    BACKTEST_METRICS_TABLE,
    FORECAST_COLUMNS,
    FORECASTS_TABLE,
    backtest_metrics,
    forecast_config,
    forecast_rows,
    read_shard_sales,
)
from orchestration.defs.forecasting.partitions import N_SHARDS, sku_shards, skus_in_shard
from orchestration.resources import StockcastResource
from orchestration.settings import Settings
from orchestration.warehouse import Warehouse

SALES_KEY = get_asset_key_for_model([stockcast_dbt_models], "fct_daily_sales")
FEATURES_KEY = get_asset_key_for_model([stockcast_dbt_models], "fct_demand_features")
SEGMENTS_KEY = get_asset_key_for_model([stockcast_dbt_models], "fct_sku_segments")
SALES = (SALES_KEY.path[-2], SALES_KEY.path[-1])
FEATURES = (FEATURES_KEY.path[-2], FEATURES_KEY.path[-1])
SEGMENTS = (SEGMENTS_KEY.path[-2], SEGMENTS_KEY.path[-1])

MODEL_KEY = dg.AssetKey(["ml", "demand_forecast_model"])
FORECASTS_KEY = dg.AssetKey(list(FORECASTS_TABLE))
BACKTEST_KEY = dg.AssetKey(list(BACKTEST_METRICS_TABLE))


def artifact_path(settings: Settings, partition: str) -> Path:
    """Where a shard's fitted run lives: ``$STOCKCAST_HOME/artifacts/forecasting/<shard>``."""
    return settings.artifacts_dir / "forecasting" / f"{partition}.joblib"


def _shard_skus(wh: Warehouse, partition: str) -> list[str]:
    # One row per SKU with sales history: far cheaper than distinct over daily sales.
    skus = wh.read_table(*SEGMENTS, columns=["sku"])["sku"]
    return skus_in_shard(skus, partition, N_SHARDS)


def _replace_shard(
    wh: Warehouse, rel: tuple[str, str], rows: pd.DataFrame, partition: str, keys: list[str]
) -> tuple[int, int]:
    """Delete the shard's previous rows and append ``rows``, in one transaction.

    "The shard's rows" are those whose SKU hashes to this shard today, whatever run wrote
    them, so a SKU that left the catalogue loses its stale forecast and a change of
    ``forecast.shards`` cannot leave duplicates. Rows without a SKU (class summaries)
    are matched by the ``shard`` column.
    """
    with wh.session():
        deleted = 0
        if wh.table_exists(*rel):
            stored = wh.read_table(*rel, columns=["sku"])["sku"].dropna().unique()
            mine = skus_in_shard(stored, partition, N_SHARDS)
            deleted = wh.delete_keys(*rel, pd.DataFrame({"sku": mine}))
            if "shard" in wh.columns(*rel):
                deleted += wh.delete_keys(*rel, pd.DataFrame({"shard": [partition]}))
        written = wh.write_table(rows, *rel, mode="append", keys=keys) if len(rows) else 0
    return deleted, written


@dg.asset(
    key=MODEL_KEY,
    group_name="ml",
    partitions_def=sku_shards,
    deps=[SALES_KEY, FEATURES_KEY, SEGMENTS_KEY],
    kinds={"python", "lightgbm"},
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "Per SKU shard: demand classification, rolling-origin backtest, model selection, "
        "conformal calibration and the final fit (ml.forecasting.fit_forecast), saved as a "
        "joblib artifact under $STOCKCAST_HOME/artifacts/forecasting/<shard>.joblib."
    ),
)
def demand_forecast_model(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Fit the shard's SKUs and save the run; metadata shows backtest quality and choices."""
    settings = stockcast.settings()
    wh = Warehouse.from_settings(settings)
    partition = context.partition_key
    config = forecast_config(settings.section("forecast"))
    started = time.perf_counter()
    skus = _shard_skus(wh, partition)
    frame = read_shard_sales(wh, SALES, FEATURES, skus)
    read_seconds = time.perf_counter() - started
    path = artifact_path(settings, partition)
    if frame.empty:
        path.unlink(missing_ok=True)
        context.log.warning(f"{partition}: no SKU with sales in this shard, nothing fitted")
        return dg.MaterializeResult(metadata={"skus": 0, "artifact": "none"})

    run = fit_forecast(frame, config)
    metrics = backtest_metrics(run, frame)
    # Travels with the run so the metrics writer needs neither history nor a refit.
    run.metrics["backtest_metrics"] = metrics
    save_artifact(run, path)

    overall = metrics[metrics["level"] == "class"]
    by_class = {
        row.demand_class: {"model": row.model, "mase": _num(row.mase), "wape": _num(row.wape)}
        for row in overall.itertuples()
    }
    per_sku = metrics[metrics["level"] == "sku"]
    chosen = (
        run.selection[["sku", "model"]]
        .merge(run.classes[["sku", "demand_class"]], on="sku")
        .groupby("demand_class")["model"]
        .value_counts()
        .unstack(fill_value=0)
    )
    flags = run.forecasts.drop_duplicates("sku")["flags"].str.split(",").explode()
    flags = flags[flags.astype(bool)].value_counts().to_dict()
    return dg.MaterializeResult(
        metadata={
            "skus": int(run.classes.shape[0]),
            "history_rows": len(frame),
            "training_window": " .. ".join(str(d.date()) for d in run.training_window),
            "horizon": config.horizon,
            "backtest_mase_mean": _num(per_sku["mase"].mean()),
            "backtest_wape": _num(_wape(run, metrics)),
            "backtest_by_class": dg.MetadataValue.json(by_class),
            "backtest_wape_by_model": dg.MetadataValue.json(run.metrics["backtest_wape_by_model"]),
            "demand_classes": dg.MetadataValue.json(run.metrics["demand_classes"]),
            "selected_models": dg.MetadataValue.json(run.metrics["selected_models"]),
            "models_per_class": dg.MetadataValue.md(chosen.to_markdown()),
            "flags": dg.MetadataValue.json({str(k): int(v) for k, v in flags.items()}),
            "budget_fallbacks": int(
                run.selection.get("budget_fallback", pd.Series(dtype=bool)).fillna(False).sum()
            ),
            "timings_s": dg.MetadataValue.json({"read": round(read_seconds, 2), **run.timings}),
            "artifact": str(path),
        }
    )


def _num(value: Any) -> float:
    return round(float(value), 4) if pd.notna(value) else float("nan")


def _wape(run: Any, metrics: pd.DataFrame) -> float:
    per_sku = metrics[metrics["level"] == "sku"]
    if per_sku.empty:
        return float("nan")
    # Volume-weighted over SKUs: sum |e| / sum |y| == sum(wape_i * y_i) / sum(y_i).
    y = per_sku["mae"] * per_sku["n_points"] / per_sku["wape"]
    abs_err = per_sku["mae"] * per_sku["n_points"]
    ok = per_sku["wape"].notna()
    return float(abs_err[ok].sum() / y[ok].sum()) if ok.any() else float("nan")


def _load_run(settings: Settings, partition: str) -> Any | None:
    path = artifact_path(settings, partition)
    return load_artifact(path)["run"] if path.exists() else None


@dg.asset(
    key=FORECASTS_KEY,
    group_name="ml",
    partitions_def=sku_shards,
    deps=[MODEL_KEY],
    kinds={"python"},
    pool="warehouse",
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "ml.demand_forecasts: the next `horizon` days for every SKU (calibrated quantiles "
        "p10, p50, p90, p95, p99; mean, the expected demand; model, flags, run_id); a run "
        "replaces its shard's rows."
    ),
)
def demand_forecasts(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Write the shard's forecasts from its artifact, replacing the shard's previous rows."""
    settings = stockcast.settings()
    partition = context.partition_key
    run = _load_run(settings, partition)
    rows = pd.DataFrame(columns=FORECAST_COLUMNS)
    if run is not None:
        rows = forecast_rows(run.forecasts, context.run_id)
    deleted, written = _replace_shard(
        stockcast.warehouse(), FORECASTS_TABLE, rows, partition, keys=["sku", "target_date"]
    )
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": written,
            "skus": int(rows["sku"].nunique()),
            "rows_replaced": deleted,
            "forecast_date": str(pd.Timestamp(rows["forecast_date"].max()).date())
            if written
            else "none",
            "models": dg.MetadataValue.json(
                rows.drop_duplicates("sku")["model"].value_counts().to_dict()
            ),
        }
    )


@dg.asset(
    key=BACKTEST_KEY,
    group_name="ml",
    partitions_def=sku_shards,
    deps=[MODEL_KEY],
    kinds={"python"},
    pool="warehouse",
    automation_condition=dg.AutomationCondition.eager(),
    description=(
        "ml.forecast_backtest_metrics: rolling-origin backtest metrics of each SKU's selected "
        "model, per SKU (level = 'sku') and per demand class (level = 'class')."
    ),
)
def forecast_backtest_metrics(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Write the shard's backtest metrics, replacing the shard's previous rows."""
    settings = stockcast.settings()
    partition = context.partition_key
    run = _load_run(settings, partition)
    rows = pd.DataFrame()
    if run is not None:
        rows = run.metrics.get("backtest_metrics", pd.DataFrame()).copy()
        rows["forecast_date"] = run.training_window[1]
        rows["run_id"] = context.run_id
        rows["shard"] = partition
        # Class rows have no SKU; a key needs a value, so they carry the class name.
        rows["key"] = rows["sku"].where(rows["level"] == "sku", "class:" + rows["demand_class"])
    deleted, written = _replace_shard(
        stockcast.warehouse(), BACKTEST_METRICS_TABLE, rows, partition, keys=["shard", "key"]
    )
    classes = rows[rows["level"] == "class"] if len(rows) else rows
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": written,
            "rows_replaced": deleted,
            "by_class": dg.MetadataValue.md(
                classes[["demand_class", "model", "mase", "wape", "n_points"]].to_markdown(
                    index=False, floatfmt=".3f"
                )
                if len(classes)
                else "_none_"
            ),
        }
    )


forecasting_assets = [demand_forecast_model, demand_forecasts, forecast_backtest_metrics]
