"""The backorder assets on a small generated warehouse: train, score, quarantine, skip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ml.backorder import predict_one
from orchestration.defs.backorder.artifacts import load_latest_backorder_model, load_latest_report
from orchestration.defs.backorder.assets import (
    FEATURES_KEY,
    MODEL_KEY,
    backorder_assets,
    backorder_model,
)
from orchestration.resources import StockcastResource
from orchestration.settings import get_settings
from orchestration.warehouse import Warehouse

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _meta(result: dg.ExecuteInProcessResult, key: dg.AssetKey) -> dict:
    events = [e for e in result.get_asset_materialization_events() if e.asset_key == key]
    assert events, f"{key} not materialised"
    return {k: v.value for k, v in events[-1].materialization.metadata.items()}


def _resource(home: Path) -> dict:
    return {"stockcast": StockcastResource(home=str(home))}


def test_keys_groups_pools_and_dbt_dependency() -> None:
    """Keys as the contract says, group ml, the writer pool, fed by the features mart."""
    assert dg.AssetKey(["marts", "fct_backorder_features"]) == FEATURES_KEY
    specs = {spec.key: spec for a in backorder_assets for spec in a.specs}
    assert set(specs) == {MODEL_KEY, dg.AssetKey(["ml", "backorder_risk"])}
    for spec in specs.values():
        assert spec.group_name == "ml"
        assert FEATURES_KEY in {d.asset_key for d in spec.deps}
    assert MODEL_KEY in {d.asset_key for d in specs[dg.AssetKey(["ml", "backorder_risk"])].deps}
    assert all(a.op.pool == "warehouse" for a in backorder_assets)


def test_train_then_score_every_sku(backorder_home: Path) -> None:
    """A model with a report in metadata, then one risk row per SKU in [0, 1]."""
    result = dg.materialize(backorder_assets, resources=_resource(backorder_home))
    assert result.success
    meta = _meta(result, MODEL_KEY)
    assert meta["trained"] is True
    assert meta["warehouse_positives"] >= 30
    for name in ("roc_auc", "pr_auc", "precision", "recall", "f1", "baseline_pr_auc"):
        assert 0.0 <= meta[name] <= 1.0, name
    assert "actual yes" in meta["confusion_matrix"]
    assert "feature" in meta["top_importances"]
    assert Path(meta["artifact"]).exists()

    wh = Warehouse.from_settings(get_settings())
    risk = wh.read_table("ml", "backorder_risk")
    skus = wh.read_table("marts", "fct_backorder_features", ["sku"])["sku"].nunique()
    assert len(risk) == skus == risk["sku"].nunique()
    assert risk["probability"].between(0, 1).all()
    assert set(risk["risk_band"]) <= {"low", "medium", "high"}
    assert (risk["model_version"] == meta["model_version"]).all()
    drivers = json.loads(risk["top_drivers"].iloc[0])
    assert len(drivers) == 3 and {"feature", "value", "contribution"} <= set(drivers[0])

    # The loader the dashboard and API use finds the same model and agrees with the table.
    stored = load_latest_backorder_model(get_settings())
    assert stored is not None and stored.version == meta["model_version"]
    latest = wh.read_latest_per_key("marts", "fct_backorder_features", ["sku"], "snapshot_date")
    row = latest.iloc[0]
    features = {c: row[c] for c in latest.columns if c in stored.model.feature_names}
    one = predict_one(stored.model, features)
    table = risk.set_index("sku").loc[row["sku"], "probability"]
    assert one["probability"] == pytest.approx(table)


def _external_file(sample: Path, path: Path, rows: int = 4000) -> dict[int, str]:
    """A real-sample slice with planted bad rows and the public footer; row -> reason."""
    frame = pd.read_csv(sample, dtype=str, keep_default_na=False, nrows=rows)
    frame = frame[frame["sku"].str.match(r"^\d+$")].reset_index(drop=True)
    planted = {
        3: ("national_inv", "lots", "not a number"),
        7: ("potential_issue", "Maybe", "invalid flag (expected Yes/No)"),
        11: ("sales_1_month", "-5", "negative quantity"),
        15: ("sku", "", "missing sku"),
    }
    for row, (column, value, _) in planted.items():
        frame.loc[row - 1, column] = value
    with gzip.open(path, "wt") as handle:
        frame.to_csv(handle, index=False)
        handle.write(f"({len(frame)} rows)\n")
    return {row: reason for row, (_, _, reason) in planted.items()}


def test_external_history_bad_rows_are_quarantined_not_dropped(
    backorder_home: Path, backorder_sample_path: Path
) -> None:
    """Bad rows of backorder_history*.csv land in raw.quarantine with reasons, once."""
    path = backorder_home / "incoming" / "backorder_history_erp.csv.gz"
    planted = _external_file(backorder_sample_path, path)
    result = dg.materialize([backorder_model], resources=_resource(backorder_home))
    assert result.success
    meta = _meta(result, MODEL_KEY)
    files = meta["external_files"]
    assert files[0]["rows_quarantined"] == len(planted)
    assert meta["external_rows"] == files[0]["rows"] > 3000

    wh = Warehouse.from_settings(get_settings())
    quarantine = wh.read_table("raw", "quarantine", where={"entity": "backorder_history"})
    by_row = dict(zip(quarantine["source_row"].astype(int), quarantine["reason"], strict=True))
    assert by_row == planted
    assert set(quarantine["source_file"]) == {path.name}
    assert quarantine["file_sha256"].notna().all()

    again = dg.materialize([backorder_model], resources=_resource(backorder_home))
    assert again.success
    assert wh.row_count("raw", "quarantine", {"entity": "backorder_history"}) == len(planted)


def test_too_few_backorders_skips_with_a_reason(backorder_home: Path) -> None:
    """No artifact and a stated reason; the risk asset then writes nothing, fails nothing."""
    config = backorder_home / "stockcast.yaml"
    config.write_text(config.read_text() + "  min_positives: 1000000\n")
    result = dg.materialize(backorder_assets, resources=_resource(backorder_home))
    assert result.success
    meta = _meta(result, MODEL_KEY)
    assert meta["trained"] is False and "min_positives" in meta["skipped_reason"]
    assert _meta(result, dg.AssetKey(["ml", "backorder_risk"]))["scored"] is False
    assert not Warehouse.from_settings(get_settings()).table_exists("ml", "backorder_risk")
    assert load_latest_backorder_model(get_settings()) is None
    assert meta["warehouse_rows"] > 0  # rows were there; too few backorders among them


def test_refit_reuses_the_evaluated_strategy_and_params(backorder_home: Path) -> None:
    """The production model is the evaluated recipe refitted on every row, not a new search."""
    result = dg.materialize([backorder_assets[0]], resources=_resource(backorder_home))
    assert result.success
    stored = load_latest_backorder_model(get_settings())
    report = load_latest_report(get_settings())
    assert stored is not None and report is not None
    production = report["production_model"]
    assert production["strategy"] == report["search"]["strategy"] == stored.model.strategy
    assert production["params"] == report["search"].get("best_params", {})
    assert stored.model.params == production["params"]
