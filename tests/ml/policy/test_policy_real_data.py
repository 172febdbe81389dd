"""The simulator on real store-item demand: 500 series, a held-out quarter replayed daily."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.policy import (
    ForecastIssue,
    ForecastPolicy,
    ServiceLevelPolicy,
    classify_demand,
    simulate_policy,
    sweep,
)

pytestmark = pytest.mark.unit

REPLAY_START = pd.Timestamp("2017-10-01")
REPLAY_DAYS = 90
LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


@pytest.fixture(scope="module")
def real_demand(store_item_sales_path: Path) -> tuple[np.ndarray, np.ndarray]:
    sales = pd.read_csv(store_item_sales_path, parse_dates=["date"])
    sales = sales[sales["date"] >= REPLAY_START - pd.Timedelta(days=182)]
    wide = sales.pivot_table(index=["store", "item"], columns="date", values="sales")
    cut = wide.columns.get_loc(REPLAY_START)
    values = wide.to_numpy(dtype=float)
    return values[:, :cut], values[:, cut : cut + REPLAY_DAYS]


def _seasonal_issues(history: np.ndarray, demand: np.ndarray) -> list[ForecastIssue]:
    """Weekly forecasts from day-of-week means of the 8 weeks before each issue date only."""
    full = np.concatenate([history, demand], axis=1)
    offset = history.shape[1]
    issues = []
    for start in range(0, demand.shape[1], 7):
        past = full[:, : offset + start][:, -56:]
        weeks = past.reshape(past.shape[0], 8, 7)
        dow_mean = weeks.mean(axis=1)
        resid_sd = (weeks - dow_mean[:, None, :]).std(axis=(1, 2), ddof=1)
        # Horizon days follow the weekly pattern of the last 56 days (56 is a multiple of 7).
        mean = np.tile(dow_mean, 4)
        q = stats.norm.ppf(np.array(LEVELS))[None, None, :] * resid_sd[:, None, None]
        issues.append(ForecastIssue(start, np.maximum(mean[:, :, None] + q, 0.0)))
    return issues


def test_real_demand_trade_off_and_forecast_policy(
    real_demand: tuple[np.ndarray, np.ndarray],
) -> None:
    history, demand = real_demand
    n = demand.shape[0]
    assert (n, demand.shape[1]) == (500, REPLAY_DAYS)
    lead_mean = np.full(n, 7.0)
    lead_std = np.full(n, 2.0)
    common = {"history": history, "review_period_days": 7, "seed": 0}
    curve = sweep(ServiceLevelPolicy, [0.8, 0.9, 0.95, 0.98], demand, lead_mean, lead_std, **common)
    assert curve["fill_rate"].is_monotonic_increasing
    assert curve["avg_inventory_value"].is_monotonic_increasing
    assert curve["fill_rate"].iloc[-1] > 0.97

    forecast = simulate_policy(
        ForecastPolicy(0.95, _seasonal_issues(history, demand), LEVELS),
        demand,
        lead_mean,
        lead_std,
        demand_class=classify_demand(history),
        **common,
    )
    overall = forecast[forecast["segment"] == "all"].iloc[0]
    rolling = curve[curve["value"] == 0.95].iloc[0]
    # Both policies at 95 % CSL serve well over 95 % of real demand in the held-out quarter.
    assert overall["fill_rate"] > 0.95 and rolling["fill_rate"] > 0.95
    assert overall["cycle_service_level"] > 0.8
