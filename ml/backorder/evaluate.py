"""Train on one frame, measure on another, and report like a model card.

The test frame is touched exactly twice: to score the tuned model and to score the
baseline. Every choice (strategy, hyperparameters, calibration, threshold) was made
before, on the training frame alone.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from ml.backorder.loader import TARGET
from ml.backorder.metrics import choose_threshold, curves, scores_at
from ml.backorder.model import (
    BackorderConfig,
    BackorderModel,
    features,
    fit_backorder_model,
    split_train_validation,
)
from ml.backorder.pipeline import build_pipeline

REPORT_VERSION = 1


def evaluate(
    train_frame: pd.DataFrame,
    test_frame: pd.DataFrame,
    config: BackorderConfig | None = None,
    *,
    sampler: Any = None,
) -> dict[str, Any]:
    """Train on ``train_frame``, score ``test_frame``, return a JSON-ready report.

    See :func:`evaluate_with_model` for the contents.
    """
    report, _ = evaluate_with_model(train_frame, test_frame, config, sampler=sampler)
    return report


def evaluate_with_model(
    train_frame: pd.DataFrame,
    test_frame: pd.DataFrame,
    config: BackorderConfig | None = None,
    *,
    sampler: Any = None,
) -> tuple[dict[str, Any], BackorderModel]:
    """Like :func:`evaluate`, also returning the fitted model (to save it).

    Args:
        train_frame: Clean labelled rows (loader output) for everything learned.
        test_frame: Clean labelled rows, only ever scored.
        config: Training knobs; defaults if None.
        sampler: Replaces every strategy's sampler step (tests pass a spy).

    Returns:
        ``(report, model)``. The report holds ``test`` (ROC-AUC, PR-AUC, precision,
        recall, F1, confusion matrix at the validation-chosen threshold), ``baseline``
        (a plain, unbalanced, untuned, uncalibrated gradient boosting model, at 0.5 and
        at its own validation threshold), ``validation``, ``comparison`` (strategies),
        ``search``, ``feature_importance`` (permutation, on validation), ``curves`` (ROC
        and PR points for model and baseline on test), ``timings`` (incl.
        ``wall_seconds``), ``memory`` (``peak_rss_mib``, process high-water mark) and
        ``config``.
    """
    config = config or BackorderConfig()
    with threadpool_limits(limits=config.threads):
        return _evaluate(train_frame, test_frame, config, sampler)


def _evaluate(
    train_frame: pd.DataFrame, test_frame: pd.DataFrame, config: BackorderConfig, sampler: Any
) -> tuple[dict[str, Any], BackorderModel]:
    if config.trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    cpu_started = _cpu_seconds()

    fitted = fit_backorder_model(train_frame, config, sampler=sampler)
    model = fitted.model
    y_test = test_frame[TARGET].to_numpy().astype(int)

    t0 = time.perf_counter()
    proba = model.predict_proba(test_frame)
    test = scores_at(y_test, proba, model.threshold.threshold)
    predict_seconds = round(time.perf_counter() - t0, 2)

    t0 = time.perf_counter()
    baseline = _baseline(train_frame, test_frame, config)
    baseline_seconds = round(time.perf_counter() - t0, 2)

    wall = time.perf_counter() - started
    memory = {"peak_rss_mib": round(_peak_rss_mib(), 1)}
    if config.trace_memory:
        memory["tracemalloc_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()

    report = {
        "report_version": REPORT_VERSION,
        "model": {
            "strategy": model.strategy,
            "params": model.params,
            "calibration": config.calibration,
            "threshold": model.threshold.to_dict(),
            "medium_ratio": model.medium_ratio,
            "versions": model.versions,
            "trained_at": model.trained_at,
        },
        "data": {
            "train_rows": len(train_frame),
            "test_rows": len(test_frame),
            **fitted.split,
            "train_positive_rate": float(train_frame[TARGET].mean()),
            "test_positive_rate": float(y_test.mean()),
        },
        "test": test,
        "baseline": baseline["scores"],
        "validation": fitted.validation,
        "comparison": fitted.comparison,
        "search": fitted.search,
        "feature_importance": fitted.feature_importance,
        "curves": {"model": curves(y_test, proba), "baseline": baseline["curves"]},
        "timings": {
            **fitted.timings,
            "predict_test_seconds": predict_seconds,
            "baseline_seconds": baseline_seconds,
            "wall_seconds": round(wall, 2),
            # On a shared machine wall time depends on the neighbours; CPU time less so.
            "cpu_seconds": round(_cpu_seconds() - cpu_started, 2),
        },
        "memory": memory,
        "config": config.to_dict(),
    }
    return report, model


def _baseline(
    train_frame: pd.DataFrame, test_frame: pd.DataFrame, config: BackorderConfig
) -> dict[str, Any]:
    """A plain unbalanced model: the same imputation, sklearn-default gradient boosting.

    Fitted on the same fit part as the real model, so the gap between them is what the
    imbalance handling, search and calibration bought.
    """
    fit_pos, val_pos = split_train_validation(train_frame, config)
    X = features(train_frame)
    y = train_frame[TARGET].to_numpy().astype(int)
    # No derived features either: the baseline is the public columns as they come.
    pipe = build_pipeline("none", seed=config.seed, domain_features=False)
    pipe.set_params(model=HistGradientBoostingClassifier(random_state=config.seed))
    pipe.fit(X.iloc[fit_pos], y[fit_pos])
    y_test = test_frame[TARGET].to_numpy().astype(int)
    proba = pipe.predict_proba(features(test_frame))[:, 1]
    val_choice = choose_threshold(
        y[val_pos],
        pipe.predict_proba(X.iloc[val_pos])[:, 1],
        goal=config.goal,
        min_recall=config.min_recall,
    )
    scores = scores_at(y_test, proba, 0.5)
    scores["description"] = "HistGradientBoosting defaults, no resampling/search/calibration"
    scores["at_validation_threshold"] = scores_at(y_test, proba, val_choice.threshold)
    return {"scores": scores, "curves": curves(y_test, proba)}


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (joblib/loky workers).

    Threads (OpenMP in the boosters) are in ``RUSAGE_SELF``; worker processes only in
    ``RUSAGE_CHILDREN``, and only once they have exited and been waited for.
    """
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def _peak_rss_mib() -> float:
    """Peak resident set size of this process so far (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def split_holdout(
    frame: pd.DataFrame, test_share: float = 0.2, seed: int = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified random train/test split by row.

    The public backorder data has no time column, so a random split is the only one
    possible; with dated snapshots a time split would be the honest choice.
    """
    rng = np.random.default_rng(seed)
    y = frame[TARGET].to_numpy()
    test_mask = np.zeros(len(frame), dtype=bool)
    for label in np.unique(y):
        where = np.flatnonzero(y == label)
        n_test = int(round(len(where) * test_share))
        test_mask[rng.choice(where, size=n_test, replace=False)] = True
    return frame[~test_mask], frame[test_mask]
