"""Training discipline (resampling in fit only, threshold on validation) and the outputs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from imblearn.pipeline import Pipeline
from imblearn.under_sampling import RandomUnderSampler

from ml.backorder import (
    FEATURE_COLUMNS,
    STRATEGIES,
    TARGET,
    build_pipeline,
    choose_threshold,
    evaluate_with_model,
    explain_frame,
    fit_backorder_model,
    load_model,
    predict_one,
    save_model,
    score_frame,
    split_train_validation,
)
from ml.backorder import model as model_module

pytestmark = pytest.mark.unit

# Column position survives the derived features (appended) and the imputer.
TAG = FEATURE_COLUMNS.index("in_transit_qty")


def tagged(frame: pd.DataFrame, start: int) -> pd.DataFrame:
    """Give every row a unique in_transit_qty so a spy can tell which rows it saw."""
    out = frame.copy()
    out["in_transit_qty"] = np.arange(start, start + len(out), dtype=float)
    return out


@pytest.fixture(scope="module")
def evaluated(synthetic_train, synthetic_test, fast_config):
    return evaluate_with_model(synthetic_train, synthetic_test, fast_config)


def test_every_strategy_builds_an_imblearn_pipeline() -> None:
    for name in STRATEGIES:
        pipe = build_pipeline(name, seed=0)
        assert isinstance(pipe, Pipeline)
        assert [step for step, _ in pipe.steps] == ["features", "impute", "sample", "model"]
    assert isinstance(build_pipeline("under").named_steps["sample"], RandomUnderSampler)


def test_resampling_sees_training_folds_only(synthetic_train, synthetic_test, fast_config):
    from imblearn import FunctionSampler

    seen: list[np.ndarray] = []

    def spy(X, y):
        seen.append(np.asarray(X)[:, TAG].copy())
        return X, y

    train = tagged(synthetic_train, 0)
    test = tagged(synthetic_test, 1_000_000)
    config = replace(fast_config, strategies=("none",))
    report, model = evaluate_with_model(
        train, test, config, sampler=FunctionSampler(func=spy, validate=False)
    )
    calls_after_fit = len(seen)
    model.predict_proba(test)
    assert len(seen) == calls_after_fit, "predicting must not resample"

    fit_pos, val_pos = split_train_validation(train, config)
    fit_tags = set(train["in_transit_qty"].iloc[fit_pos])
    val_tags = set(train["in_transit_qty"].iloc[val_pos])
    searched = sum(report["search"]["candidates_per_round"]) * config.cv_folds
    assert calls_after_fit >= 1 + searched + 1
    for tags in seen:
        tags = set(tags)
        assert tags <= fit_tags, "sampler saw validation or test rows"
        assert not tags & val_tags
        assert max(tags) < 1_000_000
    sizes = sorted(len(t) for t in seen)
    # Search folds: about (k-1)/k of the search subsample; the final refit: the fit part.
    assert sizes[0] <= config.search_rows * (config.cv_folds - 1) / config.cv_folds + 1
    assert sizes[-1] == len(fit_pos)
    assert report["data"]["fit_rows"] == len(fit_pos)


def test_final_fit_keeps_every_positive_when_capped(synthetic_train, fast_config):
    from imblearn import FunctionSampler

    seen: list[np.ndarray] = []

    def spy(X, y):
        seen.append(np.asarray(y).copy())
        return X, y

    cap = 1200
    config = replace(fast_config, strategy="none", search_iter=0, importance_rows=0, fit_rows=cap)
    result = fit_backorder_model(
        synthetic_train, config, sampler=FunctionSampler(func=spy, validate=False)
    )
    fit_pos, _ = split_train_validation(synthetic_train, config)
    y_fit = synthetic_train[TARGET].to_numpy()[fit_pos]
    assert len(fit_pos) > cap
    (final,) = seen
    assert len(final) == cap == result.split["refit_rows"]
    assert final.sum() == y_fit.sum(), "a capped fit must keep every positive"


def test_threshold_is_chosen_on_validation_not_test(
    synthetic_train, synthetic_test, fast_config, monkeypatch
):
    calls: list[int] = []
    real = model_module.choose_threshold

    def recording(y_true, proba, **kwargs):
        calls.append(len(y_true))
        return real(y_true, proba, **kwargs)

    monkeypatch.setattr(model_module, "choose_threshold", recording)
    config = replace(fast_config, search_iter=0, importance_rows=0)
    report, _ = evaluate_with_model(synthetic_train, synthetic_test, config)
    _, val_pos = split_train_validation(synthetic_train, config)
    assert calls == [len(val_pos)]
    assert len(synthetic_test) != len(val_pos)

    # Scrambling the test labels changes the test scores but never the threshold.
    scrambled = synthetic_test.copy()
    scrambled[TARGET] = 1 - scrambled[TARGET]
    other, _ = evaluate_with_model(synthetic_train, scrambled, config)
    assert other["model"]["threshold"] == report["model"]["threshold"]
    assert other["test"]["pr_auc"] != report["test"]["pr_auc"]


def test_report_keys_and_sane_values(evaluated, synthetic_test):
    report, _ = evaluated
    json.dumps(report)  # JSON-ready as is
    for key in (
        "model",
        "data",
        "test",
        "baseline",
        "validation",
        "comparison",
        "search",
        "feature_importance",
        "curves",
        "timings",
        "memory",
        "config",
    ):
        assert key in report
    test = report["test"]
    for key in ("roc_auc", "pr_auc", "precision", "recall", "f1"):
        assert 0.0 <= test[key] <= 1.0
    assert test["roc_auc"] > 0.75  # the synthetic label is learnable
    assert sum(test["confusion_matrix"].values()) == len(synthetic_test)
    assert test["threshold"] == report["model"]["threshold"]["threshold"]
    assert {row["strategy"] for row in report["comparison"]} == {"none", "under"}
    assert report["model"]["strategy"] in {"none", "under"}
    assert report["search"]["best_params"]
    assert report["baseline"]["threshold"] == 0.5
    assert "at_validation_threshold" in report["baseline"]
    importance = report["feature_importance"]
    assert [row["feature"] for row in importance] != []
    assert {row["feature"] for row in importance} == set(FEATURE_COLUMNS)
    for name in ("model", "baseline"):
        roc, pr = report["curves"][name]["roc"], report["curves"][name]["pr"]
        assert len(roc["fpr"]) == len(roc["tpr"]) == len(roc["thresholds"]) <= 200
        assert len(pr["recall"]) == len(pr["precision"]) == len(pr["thresholds"]) <= 200
        assert roc["fpr"][0] == 0.0 and roc["tpr"][-1] == 1.0
    assert report["timings"]["wall_seconds"] > 0
    assert report["memory"]["peak_rss_mib"] > 0


def test_calibrated_probabilities_are_probabilities(evaluated, synthetic_test):
    _, model = evaluated
    proba = model.predict_proba(synthetic_test)
    assert ((proba >= 0) & (proba <= 1)).all()
    # Calibrated on validation: the mean prediction is near the base rate.
    assert abs(proba.mean() - synthetic_test[TARGET].mean()) < 0.05


def test_save_load_round_trip(evaluated, synthetic_test, tmp_path: Path):
    _, model = evaluated
    path = save_model(model, tmp_path / "artifacts" / "backorder.joblib")
    loaded = load_model(path)
    np.testing.assert_array_equal(
        loaded.predict_proba(synthetic_test), model.predict_proba(synthetic_test)
    )
    assert loaded.threshold == model.threshold
    assert loaded.versions["scikit-learn"] == model.versions["scikit-learn"]


def test_load_rejects_foreign_files(tmp_path: Path):
    import joblib

    path = tmp_path / "other.joblib"
    joblib.dump({"hello": "world"}, path)
    with pytest.raises(ValueError, match="not a stockcast backorder model"):
        load_model(path)


def test_single_prediction(evaluated, synthetic_test):
    _, model = evaluated
    row = synthetic_test.iloc[0]
    features = {c: row[c] for c in FEATURE_COLUMNS}  # parsed values: 0/1 flags, NaN
    features["sku"] = row["sku"]
    out = predict_one(model, features)
    assert 0.0 <= out["probability"] <= 1.0
    assert out["risk_band"] in {"low", "medium", "high"}
    assert out["sku"] == row["sku"]
    assert len(out["drivers"]) == 3
    contributions = [abs(d["contribution"]) for d in out["drivers"]]
    assert contributions == sorted(contributions, reverse=True)
    assert {d["feature"] for d in out["drivers"]} <= set(FEATURE_COLUMNS)
    np.testing.assert_allclose(
        out["probability"], model.predict_proba(synthetic_test.iloc[[0]])[0], rtol=1e-6
    )


def test_single_prediction_accepts_raw_spelling_and_rejects_bad_input(evaluated):
    _, model = evaluated
    raw = {
        "national_inv": 0,
        "lead_time": None,
        "in_transit_qty": 0,
        "forecast_3_month": 120,
        "forecast_6_month": 240,
        "forecast_9_month": 360,
        "sales_1_month": 30,
        "sales_3_month": 90,
        "sales_6_month": 180,
        "sales_9_month": 270,
        "min_bank": 10,
        "potential_issue": "Yes",
        "pieces_past_due": 0,
        "perf_6_month_avg": -99,
        "perf_12_month_avg": 0.8,
        "local_bo_qty": 0,
        "deck_risk": "No",
        "oe_constraint": False,
        "ppap_risk": "No",
        "stop_auto_buy": True,
        "rev_stop": "No",
    }
    out = predict_one(model, raw, top=5)
    assert 0.0 <= out["probability"] <= 1.0 and len(out["drivers"]) == 5
    with pytest.raises(ValueError, match="unknown backorder feature"):
        predict_one(model, {**raw, "nationl_inv": 3})
    with pytest.raises(ValueError, match="potential_issue"):
        predict_one(model, {**raw, "potential_issue": "Maybe"})


def test_score_frame_bands_follow_threshold(evaluated, synthetic_test):
    _, model = evaluated
    scored = score_frame(model, synthetic_test)
    assert len(scored) == len(synthetic_test)
    high = scored["probability"] >= model.threshold.threshold
    assert (scored.loc[high, "risk_band"] == "high").all()
    assert (scored.loc[~high, "risk_band"] != "high").all()
    assert scored["at_risk"].equals(high)


def test_choose_threshold_goals():
    y = np.array([0, 0, 0, 0, 1, 0, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8])
    best_f1 = choose_threshold(y, p, goal="f1")
    assert best_f1.threshold == 0.5 and best_f1.recall == 1.0
    strict = choose_threshold(y, p, goal="recall", min_recall=0.6)
    assert strict.recall >= 0.6 and strict.threshold == 0.7
    with pytest.raises(ValueError):
        choose_threshold(np.zeros(3), np.ones(3))


def test_fit_with_fixed_strategy_skips_comparison(synthetic_train, fast_config):
    config = replace(fast_config, strategy="under", search_iter=0, importance_rows=0)
    result = fit_backorder_model(synthetic_train, config)
    assert result.comparison == []
    assert result.model.strategy == "under"
    assert result.feature_importance == []


@pytest.mark.parametrize("calibration", ["isotonic", "none"])
def test_other_calibrations(synthetic_train, synthetic_test, fast_config, calibration):
    config = replace(
        fast_config, strategy="none", search_iter=0, importance_rows=0, calibration=calibration
    )
    model = fit_backorder_model(synthetic_train, config).model
    proba = model.predict_proba(synthetic_test)
    assert ((proba >= 0) & (proba <= 1)).all()
    assert 0.0 < model.threshold.threshold <= 1.0


def test_strategy_that_cannot_fit_is_reported_not_fatal(synthetic_train, fast_config):
    frame = synthetic_train.copy()
    # 30% positives: under-sampling to a 0.1 minority/majority ratio is impossible.
    frame[TARGET] = (np.arange(len(frame)) % 10 < 3).astype("int8")
    config = replace(fast_config, search_iter=0, importance_rows=0)
    result = fit_backorder_model(frame, config)
    errors = [row for row in result.comparison if "error" in row]
    assert [row["strategy"] for row in errors] == ["under"]
    assert result.model.strategy == "none"


def test_given_params_skip_comparison_and_search(synthetic_train, fast_config) -> None:
    """The production refit reuses the evaluated choices instead of searching again."""
    first = fit_backorder_model(synthetic_train, fast_config)
    again = fit_backorder_model(
        synthetic_train,
        replace(fast_config, strategy=first.model.strategy, params=dict(first.model.params)),
    )
    assert again.comparison == []
    assert again.search["method"] == "fixed (given)"
    assert again.model.strategy == first.model.strategy
    assert again.model.params == first.model.params
    with pytest.raises(ValueError, match="needs BackorderConfig.strategy"):
        fit_backorder_model(synthetic_train, replace(fast_config, params={}))


def test_explain_frame_matches_one_by_one_median_replacement(evaluated, synthetic_test):
    """Batched drivers equal replacing each feature by its median and re-predicting."""
    _, model = evaluated
    rows = synthetic_test.iloc[:23].reset_index(drop=True)
    explained = explain_frame(model, rows, top=4, chunk_rows=7)  # chunks of 7, 7, 7, 2
    assert len(explained) == len(rows)
    np.testing.assert_allclose(explained["probability"], model.predict_proba(rows), rtol=1e-6)
    for i in (0, 8, 22):
        base = model.predict_proba(rows.iloc[[i]])[0]
        expected = {}
        for column in FEATURE_COLUMNS:
            variant = rows.iloc[[i]].copy()
            variant[column] = model.medians[column]
            expected[column] = base - model.predict_proba(variant)[0]
        drivers = explained["drivers"][i]
        assert len(drivers) == 4
        top = sorted(expected, key=lambda c: abs(expected[c]), reverse=True)[:4]
        assert [d["feature"] for d in drivers] == top
        for d in drivers:
            assert d["contribution"] == pytest.approx(expected[d["feature"]], abs=1e-6)
    one = predict_one(model, {c: rows.iloc[5][c] for c in FEATURE_COLUMNS}, top=4)
    assert one["probability"] == pytest.approx(explained["probability"][5], rel=1e-6)
    assert one["drivers"] == explained["drivers"][5]
