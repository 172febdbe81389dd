"""Demand forecasting: plain Python on pandas frames (no Dagster, Dash or database).

Public API:
    fit_forecast(frame, config) -> ForecastRun    production selection + forecasts
    evaluate(frame, horizon, holdout_days) -> dict holdout metrics vs seasonal naive
    save_artifact / load_artifact                  joblib artifacts with versions
    REGISTRY                                       candidate Darts models by name
"""

from ml.forecasting.artifacts import ArtifactVersionError, load_artifact, save_artifact
from ml.forecasting.models import REGISTRY, ModelSpec
from ml.forecasting.pipeline import (
    ForecastConfig,
    ForecastRun,
    evaluate,
    evaluate_detailed,
    fit_forecast,
)

__all__ = [
    "REGISTRY",
    "ArtifactVersionError",
    "ForecastConfig",
    "ForecastRun",
    "ModelSpec",
    "evaluate",
    "evaluate_detailed",
    "fit_forecast",
    "load_artifact",
    "save_artifact",
]
