"""Backorder assets: train the classifier on the features mart, score every SKU's latest week.

Thin by design: rows are assembled by :mod:`.training`, the model is :mod:`ml.backorder`'s,
artifacts go through :mod:`.artifacts`; each asset writes and reports what a planner wants
to see in the Dagster UI.
"""

import json
from typing import Any

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from ml.backorder import explain_frame
from orchestration.defs.backorder.artifacts import (
    load_latest_backorder_model,
    new_version,
    save_backorder_model,
)
from orchestration.defs.backorder.training import (
    SNAPSHOT,
    TrainingSettings,
    load_external_history,
    mart_rows,
    train_backorder_model,
)
from orchestration.defs.dbt.assets import stockcast_dbt_models
from orchestration.resources import StockcastResource

FEATURES_KEY = get_asset_key_for_model([stockcast_dbt_models], "fct_backorder_features")
FEATURES = (FEATURES_KEY.path[-2], FEATURES_KEY.path[-1])
"""(schema, table) of the features mart, read off its asset key."""

MODEL_KEY = dg.AssetKey(["ml", "backorder_model"])
RISK = ("ml", "backorder_risk")
SKU = "sku"
TOP_DRIVERS = 3


def _md(frame: pd.DataFrame) -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md("_none_")
    return dg.MetadataValue.md(frame.to_markdown(index=False, floatfmt=".3f"))


def model_metadata(report: dict[str, Any]) -> dict[str, Any]:
    """The numbers of a training report a planner looks for, as Dagster metadata."""
    test, base = report["test"], report["baseline"]
    cm = test["confusion_matrix"]
    meta: dict[str, Any] = {
        "roc_auc": test["roc_auc"],
        "pr_auc": test["pr_auc"],
        "precision": test["precision"],
        "recall": test["recall"],
        "f1": test["f1"],
        "threshold": test["threshold"],
        "baseline_roc_auc": base["roc_auc"],
        "baseline_pr_auc": base["pr_auc"],
        "test_positive_rate": report["data"]["test_positive_rate"],
        "strategy": report["model"]["strategy"],
        "evaluation_split": dg.MetadataValue.json(report.get("split", {})),
        "confusion_matrix": dg.MetadataValue.md(
            "| | predicted no | predicted yes |\n|---|---|---|\n"
            f"| actual no | {cm['tn']} | {cm['fp']} |\n| actual yes | {cm['fn']} | {cm['tp']} |"
        ),
        "top_importances": _md(pd.DataFrame(report["feature_importance"][:8])),
        "strategies": _md(
            pd.DataFrame(report["comparison"]).drop(columns=["description"], errors="ignore")
        ),
        "train_rows": report["data"]["train_rows"],
        "test_rows": report["data"]["test_rows"],
        "wall_seconds": report["timings"]["wall_seconds"],
        "peak_rss_mib": report["memory"]["peak_rss_mib"],
    }
    return meta


@dg.asset(
    key=MODEL_KEY,
    group_name="ml",
    deps=[FEATURES_KEY],
    kinds={"python", "scikitlearn"},
    pool="warehouse",
    description=(
        "Backorder-risk classifier (ml.backorder: imbalance strategies compared, randomized "
        "search, calibration, validation threshold) trained on the labelled weeks of "
        "fct_backorder_features plus any backorder_history*.csv in incoming (bad rows to "
        "raw.quarantine). Artifact under $STOCKCAST_HOME/artifacts/backorder/; the report, "
        "on the latest weeks held out, is this asset's metadata."
    ),
)
def backorder_model(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Train, save the artifact, report; skip (with the reason) on too few backorders."""
    settings = stockcast.settings()
    warehouse = stockcast.warehouse()
    training = TrainingSettings.from_section(settings.section("backorder"))
    labelled = mart_rows(
        warehouse.read_table(*FEATURES, where={"is_labelled": True}), labelled=True
    )
    external = load_external_history(settings, warehouse)
    for f in external.files:
        context.log.info(
            f"{f['file']}: {f['rows']} rows, {f['positives']} backorders, "
            f"{f['rows_quarantined']} rows quarantined"
        )
    outcome = train_backorder_model(labelled, external.frame, training)
    meta: dict[str, Any] = {
        "warehouse_rows": outcome.report["sources"]["warehouse_rows"],
        "warehouse_positives": outcome.report["sources"]["warehouse_positives"],
        "external_rows": outcome.report["sources"]["external_rows"],
        "external_files": dg.MetadataValue.json(external.files),
        "external_problems_quarantined": external.problems,
    }
    if outcome.model is None:
        context.log.warning(outcome.skipped_reason or "no model trained")
        return dg.MaterializeResult(
            metadata={**meta, "trained": False, "skipped_reason": outcome.skipped_reason}
        )
    version = new_version()
    path = save_backorder_model(settings, outcome.model, outcome.report, version)
    context.log.info(
        f"model {version}: ROC-AUC {outcome.report['test']['roc_auc']:.3f}, PR-AUC "
        f"{outcome.report['test']['pr_auc']:.3f} (baseline "
        f"{outcome.report['baseline']['pr_auc']:.3f}) -> {path}"
    )
    return dg.MaterializeResult(
        metadata={
            **meta,
            "trained": True,
            "model_version": version,
            "artifact": dg.MetadataValue.path(str(path)),
            **model_metadata(outcome.report),
        }
    )


def risk_rows(latest: pd.DataFrame, stored: Any) -> pd.DataFrame:
    """One row per SKU: probability, band and top drivers from the stored model (batched)."""
    rows = mart_rows(latest, labelled=False)
    explained = explain_frame(stored.model, rows, top=TOP_DRIVERS)
    return pd.DataFrame(
        {
            SKU: rows[SKU].to_numpy(),
            SNAPSHOT: pd.to_datetime(rows[SNAPSHOT]).dt.date.to_numpy(),
            "probability": explained["probability"].astype(float).to_numpy(),
            "risk_band": explained["risk_band"].to_numpy(),
            "top_drivers": [json.dumps(d, default=float) for d in explained["drivers"]],
            "model_version": stored.version,
        }
    )


@dg.asset(
    key=dg.AssetKey(list(RISK)),
    group_name="ml",
    deps=[MODEL_KEY, FEATURES_KEY],
    kinds={"python", "table"},
    pool="warehouse",
    description=(
        "ml.backorder_risk: one row per SKU at its latest weekly snapshot: probability of a "
        "backorder in the label window, risk band (high = at or above the model's "
        "threshold), top drivers (JSON) and the model version that scored it."
    ),
)
def backorder_risk(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Score each SKU's latest snapshot with the newest model (none yet: nothing written)."""
    settings = stockcast.settings()
    warehouse = stockcast.warehouse()
    stored = load_latest_backorder_model(settings)
    if stored is None:
        context.log.warning("no backorder model artifact yet; ml.backorder_risk left as is")
        return dg.MaterializeResult(metadata={"scored": False, "dagster/row_count": 0})
    latest = warehouse.read_latest_per_key(*FEATURES, keys=[SKU], order_by=SNAPSHOT)
    risk = risk_rows(latest, stored)
    written = warehouse.write_table(risk, *RISK, mode="replace", keys=[SKU])
    bands = risk["risk_band"].value_counts() if len(risk) else pd.Series(dtype=int)
    top = risk.sort_values("probability", ascending=False).head(10)
    return dg.MaterializeResult(
        metadata={
            "scored": True,
            "dagster/row_count": written,
            "model_version": stored.version,
            "high": int(bands.get("high", 0)),
            "medium": int(bands.get("medium", 0)),
            "low": int(bands.get("low", 0)),
            "latest_snapshot": str(risk[SNAPSHOT].max()) if len(risk) else "",
            "riskiest": _md(top[[SKU, SNAPSHOT, "probability", "risk_band"]]),
        }
    )


backorder_assets = [backorder_model, backorder_risk]
