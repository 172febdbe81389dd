"""Backorder-risk classifier: load the public schema, train, calibrate, explain, report.

Plain Python, frames in and frames out (no Dagster, Dash or database imports), so a
notebook can use it alone::

    from ml.backorder import load_backorder_csv, evaluate, split_holdout

    data = load_backorder_csv("train_sample.csv.gz")
    train, test = split_holdout(data.frame)
    report = evaluate(train, test)
"""

from ml.backorder.evaluate import evaluate, evaluate_with_model, split_holdout
from ml.backorder.loader import (
    FEATURE_COLUMNS,
    PUBLIC_COLUMNS,
    TARGET,
    BackorderSchemaError,
    LoadResult,
    load_backorder_csv,
    parse_backorder_frame,
)
from ml.backorder.metrics import ThresholdChoice, choose_threshold, curves, scores_at
from ml.backorder.model import (
    BackorderConfig,
    BackorderModel,
    FitResult,
    explain_frame,
    fit_backorder_model,
    load_model,
    predict_one,
    save_model,
    score_frame,
    split_train_validation,
)
from ml.backorder.pipeline import STRATEGIES, Strategy, build_pipeline

__all__ = [
    "FEATURE_COLUMNS",
    "PUBLIC_COLUMNS",
    "STRATEGIES",
    "TARGET",
    "BackorderConfig",
    "BackorderModel",
    "BackorderSchemaError",
    "FitResult",
    "LoadResult",
    "Strategy",
    "ThresholdChoice",
    "build_pipeline",
    "choose_threshold",
    "curves",
    "evaluate",
    "evaluate_with_model",
    "fit_backorder_model",
    "load_backorder_csv",
    "load_model",
    "parse_backorder_frame",
    "explain_frame",
    "predict_one",
    "save_model",
    "score_frame",
    "scores_at",
    "split_holdout",
    "split_train_validation",
]
