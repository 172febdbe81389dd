"""Registry of candidate forecasting models, all Darts models, with unique names.

Each :class:`ModelSpec` says how to build the Darts model, whether it is local (one fit
per series) or global (one fit across all series), for which demand classes it is a
candidate and whether it is ``expensive``. Expensive local models (AutoETS, AutoTheta,
AutoARIMA) are only backtested on a sample of SKUs per class and fitted within a budget,
because one fit per SKU for 10,000 SKUs does not fit the time budget; the cheap models
are backtested on every SKU.

Example:
    >>> from ml.forecasting.models import REGISTRY
    >>> REGISTRY["seasonal_naive_7"].build(seed=0)
    NaiveSeasonal(K=7)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from darts.models import (
    AutoARIMA,
    AutoETS,
    AutoTheta,
    Croston,
    LightGBMModel,
    NaiveMean,
    NaiveSeasonal,
)
from darts.models.forecasting.forecasting_model import ForecastingModel

SMOOTH_LIKE = frozenset({"smooth", "erratic"})
INTERMITTENT_LIKE = frozenset({"intermittent", "lumpy"})
ALL_CLASSES = SMOOTH_LIKE | INTERMITTENT_LIKE

GLOBAL_LAGS = (1, 7, 14, 28)

DEFAULT_LGBM_PARAMS: dict[str, Any] = {
    "n_estimators": 500,
    "learning_rate": 0.05,
    "num_leaves": 63,
    "min_child_samples": 50,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "objective": "l2",
    # One thread: on a shared 2-core box LightGBM's OpenMP threads spin-wait and a fit
    # took 40x longer with n_jobs=2 than with 1; raise it on a dedicated machine.
    "n_jobs": 1,
    "verbose": -1,
}


@dataclass(frozen=True)
class ModelSpec:
    """One candidate model.

    Attributes:
        name: unique registry name (also the ``model`` column of every output).
        factory: ``seed -> Darts model``; a fresh unfitted model each call.
        kind: ``local`` (fitted per series) or ``global`` (one fit on all series).
        classes: demand classes for which this model is a candidate.
        expensive: backtest on a per-class sample only and fit within a budget.
        min_length: shortest training series the model accepts.
        max_sample: cap on the per-class backtest sample of an expensive model.
    """

    name: str
    factory: Callable[[int], ForecastingModel]
    kind: Literal["local", "global"] = "local"
    classes: frozenset[str] = field(default_factory=lambda: ALL_CLASSES)
    expensive: bool = False
    min_length: int = 14
    max_sample: int | None = None

    def build(self, seed: int = 0) -> ForecastingModel:
        """Return a fresh, unfitted Darts model (seed explicit for reproducibility)."""
        return self.factory(seed)


def build_lightgbm(seed: int = 0, params: dict[str, Any] | None = None) -> LightGBMModel:
    """The global LightGBM: recursive one-step model on lags 1/7/14/28 of the scaled target.

    Calendar, price, promo, holiday, lagged rolling means and the seasonal profile come in as
    future covariates (see :mod:`ml.forecasting.features`), all at lag 0.
    """
    kwargs = {**DEFAULT_LGBM_PARAMS, **(params or {})}
    return LightGBMModel(
        lags=[-lag for lag in GLOBAL_LAGS],
        lags_future_covariates=[0],
        output_chunk_length=1,
        use_static_covariates=False,  # the sku label is metadata, not a feature
        random_state=seed,
        **kwargs,
    )


def _registry() -> dict[str, ModelSpec]:
    specs = [
        ModelSpec("seasonal_naive_7", lambda s: NaiveSeasonal(K=7), min_length=7),
        ModelSpec(
            "naive_mean", lambda s: NaiveMean(), min_length=1, classes=frozenset()
        ),  # fallback only, never a backtest candidate
        ModelSpec(
            "auto_ets",
            lambda s: AutoETS(season_length=7, random_state=s),
            classes=SMOOTH_LIKE,
            expensive=True,
            min_length=21,
        ),
        ModelSpec(
            "auto_theta",
            lambda s: AutoTheta(season_length=7, random_state=s),
            classes=SMOOTH_LIKE,
            expensive=True,
            min_length=21,
        ),
        ModelSpec(
            "auto_arima",
            lambda s: AutoARIMA(
                season_length=7, max_p=2, max_q=2, max_P=1, max_Q=1, random_state=s
            ),
            classes=frozenset({"smooth"}),
            expensive=True,
            min_length=56,
            max_sample=8,
        ),
        ModelSpec(
            "tsb",
            lambda s: Croston(version="tsb", alpha_d=0.1, alpha_p=0.1, random_state=s),
            classes=INTERMITTENT_LIKE,
            min_length=14,
        ),
        # Sampled like the expensive models: one Darts fit per SKU and origin adds up.
        ModelSpec(
            "croston_sba",
            lambda s: Croston(version="sba", random_state=s),
            classes=INTERMITTENT_LIKE,
            expensive=True,
            min_length=14,
        ),
        ModelSpec(
            "lightgbm_global",
            lambda s: build_lightgbm(s),
            kind="global",
            min_length=max(GLOBAL_LAGS) + 1,
        ),
    ]
    names = [s.name for s in specs]
    if len(names) != len(set(names)):
        raise ValueError(f"duplicate model names in registry: {names}")
    return {s.name: s for s in specs}


REGISTRY: dict[str, ModelSpec] = _registry()
BASELINE = "seasonal_naive_7"
GLOBAL = "lightgbm_global"


def candidates_for(demand_class: str, *, include_expensive: bool = True) -> list[str]:
    """Registry names that are candidates for a demand class."""
    return [
        s.name
        for s in REGISTRY.values()
        if demand_class in s.classes and (include_expensive or not s.expensive)
    ]
