"""Synthetic backorder data in the public schema, small enough for unit tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.backorder import BackorderConfig, parse_backorder_frame
from ml.backorder.loader import FLAG_COLUMNS, PUBLIC_COLUMNS


def make_raw(n: int, seed: int = 0, positive_rate: float = 0.04) -> pd.DataFrame:
    """Raw text rows like the public file: Yes/No flags, ``52.0`` floats, -99, blanks."""
    rng = np.random.default_rng(seed)
    forecast = rng.poisson(rng.gamma(1.0, 20.0, n))
    national_inv = rng.poisson(rng.gamma(1.0, 25.0, n)) - rng.binomial(3, 0.05, n)
    short = (national_inv < forecast).astype(float)
    score = 2.5 * short + 1.5 * rng.random(n) + 1.0 * (rng.random(n) < 0.1)
    cut = np.quantile(score, 1 - positive_rate)
    label = score > cut
    raw = pd.DataFrame(
        {
            "sku": [f"S{seed}-{i}" for i in range(n)],
            "national_inv": national_inv.astype(str),
            "lead_time": np.where(rng.random(n) < 0.05, "", (rng.integers(2, 52, n)).astype(str)),
            "in_transit_qty": rng.poisson(3, n).astype(str),
            "forecast_3_month": forecast.astype(str),
            "forecast_6_month": (forecast * 2).astype(str),
            "forecast_9_month": (forecast * 3).astype(str),
            "sales_1_month": rng.poisson(5, n).astype(str),
            "sales_3_month": rng.poisson(15, n).astype(str),
            "sales_6_month": rng.poisson(30, n).astype(str),
            "sales_9_month": rng.poisson(45, n).astype(str),
            "min_bank": rng.poisson(4, n).astype(float).astype(str),  # "4.0" like the public file
            "pieces_past_due": rng.binomial(2, 0.05, n).astype(str),
            "perf_6_month_avg": np.where(
                rng.random(n) < 0.1, "-99.0", rng.random(n).round(2).astype(str)
            ),
            "perf_12_month_avg": np.where(
                rng.random(n) < 0.1, "-99", rng.random(n).round(2).astype(str)
            ),
            "local_bo_qty": rng.binomial(2, 0.02, n).astype(str),
        }
    )
    for flag in FLAG_COLUMNS:
        raw[flag] = np.where(rng.random(n) < 0.2, "Yes", "No")
    raw["went_on_backorder"] = np.where(label, "Yes", "No")
    raw.index = pd.RangeIndex(1, n + 1)
    return raw[list(PUBLIC_COLUMNS)]


def make_frame(n: int, seed: int = 0) -> pd.DataFrame:
    result = parse_backorder_frame(make_raw(n, seed), source="synthetic")
    assert result.quarantine.empty
    return result.frame


@pytest.fixture(scope="session")
def synthetic_train() -> pd.DataFrame:
    return make_frame(3000, seed=1)


@pytest.fixture(scope="session")
def synthetic_test() -> pd.DataFrame:
    return make_frame(1000, seed=2)


@pytest.fixture(scope="session")
def fast_config() -> BackorderConfig:
    """Everything switched on, at toy sizes."""
    return BackorderConfig(
        strategies=("none", "under"),
        compare_rows=2000,
        search_iter=2,
        search_rows=1500,
        cv_folds=2,
        importance_rows=400,
        importance_repeats=1,
        seed=3,
    )
