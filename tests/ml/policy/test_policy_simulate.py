"""Policy simulator: perfect-information sanity, monotone trade-off, no look-ahead."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.policy import (
    FixedFactorPolicy,
    ForecastIssue,
    ForecastPolicy,
    ServiceLevelPolicy,
    classify_demand,
    simulate_policy,
    sweep,
)
from ml.policy.simulate import SimulationContext, draw_lead_times

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("review", [0, 1, 7])
@pytest.mark.parametrize("policy", [ServiceLevelPolicy(0.95), FixedFactorPolicy(0.0)])
def test_perfect_information_gives_full_fill_rate(review: int, policy: object) -> None:
    # Demand exactly 10/day for every SKU, lead time exactly 5 days: sigma = 0, so SS = 0 and
    # s = S = 10 * (5 + R) covers every day until the next order can arrive.
    n, days = 4, 60
    demand = np.full((n, days), 10.0)
    history = np.full((n, 28), 10.0)
    out = simulate_policy(
        policy, demand, 5.0, 0.0, review_period_days=review, history=history, seed=0
    )
    row = out.iloc[0]
    assert row["fill_rate"] == 1.0
    assert row["cycle_service_level"] == 1.0
    assert row["stockout_days"] == 0
    assert row["orders"] > 0


def test_perfect_forecast_policy_gives_full_fill_rate() -> None:
    n, days = 3, 40
    demand = np.full((n, days), 8.0)
    levels = (0.1, 0.5, 0.9)
    issues = [ForecastIssue(start, np.full((n, 30, 3), 8.0)) for start in range(0, days, 7)]
    policy = ForecastPolicy(0.98, issues, levels)
    out = simulate_policy(
        policy, demand, 4.0, 0.0, review_period_days=7, history=np.full((n, 14), 8.0)
    )
    assert out.iloc[0]["fill_rate"] == 1.0


def _noisy(n: int = 300, days: int = 120, seed: int = 5) -> dict:
    rng = np.random.default_rng(seed)
    mean = rng.gamma(2.0, 3.0, n)
    return {
        "demand": rng.poisson(mean[:, None], (n, days)).astype(float),
        "history": rng.poisson(mean[:, None], (n, 56)).astype(float),
        "lead_time_mean": rng.integers(3, 15, n).astype(float),
        "lead_time_std": rng.uniform(0.5, 3.0, n),
    }


def test_higher_service_level_gives_higher_fill_rate_and_inventory() -> None:
    data = _noisy()
    curve = sweep(
        ServiceLevelPolicy,
        [0.80, 0.90, 0.95, 0.99],
        data["demand"],
        data["lead_time_mean"],
        data["lead_time_std"],
        history=data["history"],
        review_period_days=7,
        seed=3,
    )
    assert curve["value"].tolist() == [0.80, 0.90, 0.95, 0.99]
    assert curve["fill_rate"].is_monotonic_increasing
    assert curve["avg_inventory_value"].is_monotonic_increasing
    assert curve["fill_rate"].iloc[-1] > curve["fill_rate"].iloc[0] + 0.01
    # Safety factor sweep behaves the same way.
    factors = sweep(
        FixedFactorPolicy,
        [0.0, 0.5, 1.0],
        data["demand"],
        data["lead_time_mean"],
        data["lead_time_std"],
        history=data["history"],
        seed=3,
    )
    assert factors["fill_rate"].is_monotonic_increasing
    assert factors["avg_inventory_value"].is_monotonic_increasing


def test_forecast_policy_beats_nothing_and_reports_per_class() -> None:
    data = _noisy(n=200, days=60)
    n = data["demand"].shape[0]
    mean = data["history"].mean(axis=1)
    levels = (0.1, 0.5, 0.9, 0.99)
    quantiles = stats.poisson.ppf(np.array(levels)[None, None, :], mean[:, None, None])
    issues = [
        ForecastIssue(s, np.broadcast_to(quantiles, (n, 28, 4)).astype(float))
        for s in range(0, 60, 7)
    ]
    classes = classify_demand(data["history"])
    out = simulate_policy(
        ForecastPolicy(0.95, issues, levels),
        data["demand"],
        data["lead_time_mean"],
        data["lead_time_std"],
        history=data["history"],
        demand_class=classes,
        seed=2,
    )
    overall = out[out["segment"] == "all"].iloc[0]
    assert 0.9 < overall["fill_rate"] <= 1.0
    per_class = out[out["segment"] != "all"]
    assert per_class["skus"].sum() == n
    assert per_class["demand"].sum() == pytest.approx(overall["demand"])
    assert set(per_class["segment"]) <= {"smooth", "erratic", "intermittent", "lumpy", "no_demand"}


def test_policy_never_sees_the_future() -> None:
    # Two demand matrices equal up to day 29 and different afterwards: every decision up to
    # day 29 must be identical.
    rng = np.random.default_rng(1)
    a = rng.poisson(5, (20, 60)).astype(float)
    b = a.copy()
    b[:, 30:] *= 10

    class Recorder:
        name = "recorder"

        def __init__(self) -> None:
            self.seen: list[np.ndarray] = []

        def levels(self, day: int, ctx: SimulationContext) -> tuple[np.ndarray, np.ndarray]:
            s, big_s = ServiceLevelPolicy(0.95).levels(day, ctx)
            self.seen.append(s)
            return s, big_s

    ra, rb = Recorder(), Recorder()
    simulate_policy(ra, a, 4.0, 1.0, review_period_days=1, history=a[:, :10], seed=0)
    simulate_policy(rb, b, 4.0, 1.0, review_period_days=1, history=a[:, :10], seed=0)
    # seen[0] is the initial stock (end of history), seen[k + 1] the decision of day k.
    for k in range(30):
        np.testing.assert_array_equal(ra.seen[k + 1], rb.seen[k + 1])
    assert not np.array_equal(ra.seen[31], rb.seen[31])


def test_lead_time_draws_are_seeded_and_positive() -> None:
    a = draw_lead_times([5.0, 10.0, 0.2], [0.0, 3.0, 0.0], 200, seed=4)
    b = draw_lead_times([5.0, 10.0, 0.2], [0.0, 3.0, 0.0], 200, seed=4)
    assert np.array_equal(a, b)
    assert (a[0] == 5).all() and (a[2] == 1).all() and a.min() >= 1
    assert a[1].mean() == pytest.approx(10.0, abs=0.6)


def test_classify_demand() -> None:
    history = np.array(
        [
            [5, 6, 5, 4, 5, 6, 5, 5],  # sells daily, steady: smooth
            [0, 0, 0, 5, 0, 0, 0, 5],  # ADI 4, steady sizes: intermittent
            [0, 0, 0, 1, 0, 0, 0, 40],  # ADI 4, erratic sizes: lumpy
            [0] * 8,
        ],
        dtype=float,
    )
    assert classify_demand(history).tolist() == ["smooth", "intermittent", "lumpy", "no_demand"]


def test_summary_frame_shape() -> None:
    out = simulate_policy(
        ServiceLevelPolicy(0.9),
        np.ones((2, 10)),
        2.0,
        unit_cost=[1.0, 3.0],
        history=np.ones((2, 5)),
    )
    assert isinstance(out, pd.DataFrame) and out["segment"].tolist() == ["all"]
    assert out.loc[0, "avg_inventory_value"] > 0
