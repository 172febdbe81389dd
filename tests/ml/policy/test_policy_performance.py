"""Scale: recommendations + alerts and the simulator for 10,000 SKUs (wall time measured)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.policy import (
    ForecastIssue,
    ForecastPolicy,
    PolicyConfig,
    ServiceLevelPolicy,
    alert_conditions,
    build_recommendations,
    classify_demand,
    plan_notifications,
    rank_purchase_suggestions,
    simulate_policy,
    update_alerts,
)

pytestmark = pytest.mark.slow

N_SKUS = 10_000
LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def _items(rng: np.random.Generator) -> pd.DataFrame:
    d = rng.gamma(1.5, 4.0, N_SKUS)
    return pd.DataFrame(
        {
            "sku": [f"S{i:05d}" for i in range(N_SKUS)],
            "avg_daily_demand": d,
            "demand_std": np.sqrt(d) * 1.3,
            "lead_time_mean": rng.integers(3, 30, N_SKUS) * 1.0,
            "lead_time_std": rng.uniform(0, 4, N_SKUS),
            "on_hand": rng.uniform(0, 200, N_SKUS),
            "on_order": rng.uniform(0, 50, N_SKUS),
            "category": rng.choice(["x", "y"], N_SKUS),
            "abc_class": rng.choice(list("ABC"), N_SKUS),
            "supplier_id": rng.choice([f"V{i}" for i in range(50)], N_SKUS),
            "unit_cost": rng.uniform(1, 50, N_SKUS),
            "min_order_qty": 10.0,
            "pack_size": 6.0,
            "order_cost": 20.0,
            "backorder_risk": rng.uniform(0, 1, N_SKUS),
        }
    )


def test_recommendations_and_alerts_for_10k_skus_well_under_60s() -> None:
    rng = np.random.default_rng(0)
    items = _items(rng)
    days = 28
    dates = pd.date_range("2026-01-02", periods=days)
    scale = np.repeat(items["avg_daily_demand"].to_numpy(), days) / 2.0
    q = stats.gamma.ppf(np.array(LEVELS)[None, :], a=2.0, scale=scale[:, None])
    fc = pd.DataFrame(q, columns=[f"p{round(lv * 100)}" for lv in LEVELS])
    fc.insert(0, "date", np.tile(dates, N_SKUS))
    fc.insert(0, "sku", np.repeat(items["sku"].to_numpy(), days))
    cfg = PolicyConfig(method="forecast", category_methods={"y": "service_level"}, use_eoq=True)

    started = time.perf_counter()
    recs = build_recommendations(items, cfg, fc, as_of="2026-01-01")
    alerts = update_alerts(None, alert_conditions(recs, cfg), pd.Timestamp("2026-01-01 06:00"))
    alerts = update_alerts(alerts, alert_conditions(recs, cfg), pd.Timestamp("2026-01-02 06:00"))
    lines = rank_purchase_suggestions(recs, budget=100_000.0)
    outbox = plan_notifications(alerts, None, ["email", "webhook"], pd.Timestamp("2026-01-02"))
    elapsed = time.perf_counter() - started

    assert len(recs) == N_SKUS and (recs["method"] == "forecast").sum() > 4000
    assert alerts["alert_id"].is_unique and len(lines) > 0 and len(outbox) > 0
    assert elapsed < 30.0, f"recommendations + alerts took {elapsed:.1f}s"


@pytest.mark.parametrize("kind", ["service_level", "forecast"])
def test_simulator_10k_skus_90_days_in_seconds(kind: str) -> None:
    rng = np.random.default_rng(1)
    items = _items(rng)
    d = items["avg_daily_demand"].to_numpy()
    history = rng.poisson(d[:, None], (N_SKUS, 56)).astype(float)
    demand = rng.poisson(d[:, None], (N_SKUS, 90)).astype(float)
    if kind == "forecast":
        q = stats.poisson.ppf(np.array(LEVELS)[None, None, :], d[:, None, None]).astype(float)
        cube = np.ascontiguousarray(np.broadcast_to(q, (N_SKUS, 28, len(LEVELS))))
        policy = ForecastPolicy(0.95, [ForecastIssue(s, cube) for s in range(0, 90, 7)], LEVELS)
    else:
        policy = ServiceLevelPolicy(0.95)
    started = time.perf_counter()
    out = simulate_policy(
        policy,
        demand,
        items["lead_time_mean"],
        items["lead_time_std"],
        unit_cost=items["unit_cost"],
        history=history,
        demand_class=classify_demand(history),
        seed=1,
    )
    elapsed = time.perf_counter() - started
    assert 0.9 < out.iloc[0]["fill_rate"] <= 1.0
    assert elapsed < 30.0, f"simulation took {elapsed:.1f}s"
