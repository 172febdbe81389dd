"""Synthetic demand frames and a fast run configuration for the forecasting tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.forecasting import ForecastConfig

WEEKLY = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.4, 0.8])


def seasonal_frame(
    skus: list[str], days: int = 300, level: float = 20.0, seed: int = 0, start: str = "2023-01-01"
) -> pd.DataFrame:
    """Smooth weekly-seasonal Poisson demand, one level per SKU."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    parts = []
    for i, sku in enumerate(skus):
        lam = level * (1 + 0.5 * i) * WEEKLY[dates.dayofweek]
        parts.append(pd.DataFrame({"sku": sku, "date": dates, "quantity": rng.poisson(lam)}))
    return pd.concat(parts, ignore_index=True)


def intermittent_frame(
    skus: list[str], days: int = 300, p: float = 0.15, seed: int = 1, start: str = "2023-01-01"
) -> pd.DataFrame:
    """Intermittent demand: a sale on ~p of days, size 1 + Poisson(2)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=days, freq="D")
    parts = []
    for sku in skus:
        q = (rng.random(days) < p) * (1 + rng.poisson(2, days))
        parts.append(pd.DataFrame({"sku": sku, "date": dates, "quantity": q}))
    return pd.concat(parts, ignore_index=True)


FAST_CONFIG = ForecastConfig(
    horizon=14,
    n_origins=3,
    stride=7,
    expensive_sample_per_class=2,
    models=("seasonal_naive_7", "auto_theta", "tsb", "lightgbm_global"),
    lgbm_params={"n_estimators": 60, "num_leaves": 15, "min_child_samples": 10},
)


@pytest.fixture
def fast_config() -> ForecastConfig:
    """A small, quick configuration: 3 origins, a 14-day horizon, a few candidates."""
    return FAST_CONFIG


@pytest.fixture(scope="module")
def mixed_frame() -> pd.DataFrame:
    """Four smooth SKUs and two intermittent SKUs, 300 days each."""
    return pd.concat(
        [seasonal_frame(["A", "B", "C", "D"]), intermittent_frame(["X", "Y"])], ignore_index=True
    )
