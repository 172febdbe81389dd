"""Frames in and out of the forecasting assets: config, shard input, table rows.

Kept apart from ``assets.py`` so the assets stay thin and these pieces can be tested
without Dagster. All warehouse access goes through :class:`Warehouse`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ml.forecasting import ForecastConfig, ForecastRun
from ml.forecasting.metrics import naive_scales, per_sku_metrics, summarize
from orchestration.warehouse import Warehouse

Relation = tuple[str, str]

FORECASTS_TABLE: Relation = ("ml", "demand_forecasts")
BACKTEST_METRICS_TABLE: Relation = ("ml", "forecast_backtest_metrics")
SALES_COLUMNS = ["sku", "date", "quantity", "unit_price", "is_promo", "is_stockout"]
FORECAST_COLUMNS = [
    "sku",
    "forecast_date",
    "target_date",
    "horizon",
    "p10",
    "p50",
    "p90",
    "p95",
    "p99",
    "mean",
    "model",
    "run_id",
    "flags",
]
_CONFIG_FIELDS = {f.name for f in dataclasses.fields(ForecastConfig)}


def forecast_rows(forecasts: pd.DataFrame, run_id: str) -> pd.DataFrame:
    """A run's forecasts as rows of ``ml.demand_forecasts`` (``FORECAST_COLUMNS``).

    An artifact saved before the ``mean`` column existed gets its p50 as the mean: p50
    was the point forecast then.
    """
    if "mean" not in forecasts:
        forecasts = forecasts.assign(mean=forecasts["p50"])
    rows = forecasts.assign(run_id=run_id)[FORECAST_COLUMNS]
    return rows.astype({"horizon": "int64"})


def forecast_config(section: Mapping[str, Any]) -> ForecastConfig:
    """A :class:`ForecastConfig` from the ``forecast:`` section of ``stockcast.yaml``.

    Keys that are not config fields (``shards``) are ignored; unknown typos raise, so a
    misspelt knob is not silently ignored.
    """
    known = {k: v for k, v in section.items() if k != "shards"}
    unknown = sorted(set(known) - _CONFIG_FIELDS)
    if unknown:
        raise ValueError(
            f"unknown forecast setting(s) {unknown}; known: {sorted(_CONFIG_FIELDS | {'shards'})}"
        )
    for name in ("models", "quantiles"):
        if known.get(name) is not None:
            known[name] = tuple(known[name])
    return ForecastConfig(**known)


def read_shard_sales(
    wh: Warehouse, sales: Relation, features: Relation | None, skus: list[str]
) -> pd.DataFrame:
    """The shard's daily sales (+ ``is_holiday`` from the features mart when it exists).

    The calendar-complete, zero-filled grain of ``fct_daily_sales`` is what the library
    expects. The holiday flag is joined on ``(sku, date)``, both marts having that grain.
    """
    if not skus:
        return pd.DataFrame(columns=SALES_COLUMNS)
    available = wh.columns(*sales)
    cols = [c for c in SALES_COLUMNS if c in available]
    frame = wh.read_table(*sales, columns=cols, where={"sku": skus})
    if (
        features is not None
        and wh.table_exists(*features)
        and "is_holiday" in wh.columns(*features)
    ):
        hol = wh.read_table(*features, columns=["sku", "date", "is_holiday"], where={"sku": skus})
        frame = frame.merge(hol, on=["sku", "date"], how="left")
        frame["is_holiday"] = frame["is_holiday"].fillna(False).astype(bool)
    for flag in ("is_promo", "is_stockout"):
        if flag in frame.columns:
            frame[flag] = frame[flag].fillna(False).astype(bool)
    return frame.sort_values(["sku", "date"]).reset_index(drop=True)


def backtest_metrics(run: ForecastRun, history: pd.DataFrame) -> pd.DataFrame:
    """Backtest metrics of each SKU's selected model, per SKU and per demand class.

    Rows ``level`` (``sku`` / ``class``), ``sku`` (null on class rows), ``demand_class``,
    ``model``, MAE, RMSE, MAPE, sMAPE, WAPE, bias, MASE, ``n_points`` (per SKU through
    the vectorised :func:`ml.forecasting.metrics.per_sku_metrics`, as a shard holds
    thousands of SKUs; per class through ``summarize``). Scored on the
    rolling-origin backtest rows of the model selection chose (the horizon's worth before
    each cutoff), with the MASE scale from the shard's full history. Interval coverage is
    not reported here: the conformal intervals are calibrated on these same residuals,
    so their backtest coverage would be in-sample and flattering.
    """
    columns = [
        "level",
        "sku",
        "demand_class",
        "model",
        "mae",
        "rmse",
        "mape",
        "smape",
        "wape",
        "bias",
        "mase",
        "n_points",
    ]
    bt = run.backtest
    if bt is None or bt.empty:
        return pd.DataFrame(columns=columns)
    chosen = run.selection[["sku", "model"]].merge(
        run.classes[["sku", "demand_class"]], on="sku", how="left"
    )  # one class per SKU
    scored = bt.merge(chosen, on=["sku", "model"], how="inner")
    scored = scored[scored["y"].notna()]
    if scored.empty:
        return pd.DataFrame(columns=columns)
    scales = naive_scales(history[["sku", "date", "quantity"]])
    per_sku = per_sku_metrics(scored, scales, y_hat_col="y_hat").rename_axis("sku").reset_index()
    per_sku.insert(0, "level", "sku")
    per_sku = per_sku.merge(chosen, on="sku", how="left")
    rows = []
    for cls, grp in scored.groupby("demand_class", sort=True):
        m = summarize(grp, scales, y_hat_col="y_hat")
        models = grp.drop_duplicates("sku")["model"].value_counts()
        rows.append(
            {
                "level": "class",
                "sku": None,
                "demand_class": cls,
                "model": ",".join(models.index.astype(str)),
                **m,
            }
        )
    out = pd.concat([per_sku, pd.DataFrame(rows)], ignore_index=True)
    return out.reindex(columns=columns)
