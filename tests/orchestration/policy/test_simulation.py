"""The replay core behind `stockcast policy-sim` and the policy_simulation asset."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from orchestration.commands.policy_sim import policy_sim
from orchestration.defs.policy.simulation import (
    SimulationSetup,
    forecast_issues,
    run_policy_simulation,
)


@pytest.mark.unit
def test_forecast_issues_only_see_the_past() -> None:
    rng = np.random.default_rng(1)
    history, demand = rng.poisson(4, (2, 56)), rng.poisson(4, (2, 21))
    seen: list[int] = []

    def spy(observed: np.ndarray, horizon: int) -> np.ndarray:
        seen.append(observed.shape[1])
        return np.zeros((observed.shape[0], horizon, 3))

    setup = SimulationSetup(
        np.array(["a", "b"]),
        pd.date_range("2024-01-01", periods=21),
        history.astype(float),
        demand.astype(float),
        np.full(2, 5.0),
        np.zeros(2),
        np.ones(2),
        np.zeros(2),
        np.ones(2),
        np.array(["smooth"] * 2),
    )
    issues = forecast_issues(setup, spy, review_period_days=7)
    assert [i.start_day for i in issues] == [0, 1, 8, 15]
    assert seen == [56 + s for s in (0, 1, 8, 15)]  # issue t + 1 uses demand up to day t


@pytest.mark.unit
def test_accepts_a_custom_forecaster() -> None:
    rng = np.random.default_rng(2)
    n = 20
    history, demand = rng.poisson(6, (n, 84)).astype(float), rng.poisson(6, (n, 28)).astype(float)
    setup = SimulationSetup(
        np.array([f"s{i}" for i in range(n)]),
        pd.date_range("2024-01-01", periods=28),
        history,
        demand,
        np.full(n, 4.0),
        np.full(n, 1.0),
        np.ones(n),
        np.zeros(n),
        np.ones(n),
        np.array(["smooth"] * n, dtype=object),
    )

    def oracle(observed: np.ndarray, horizon: int) -> np.ndarray:
        from scipy import stats

        return stats.poisson.ppf(
            np.array([0.1, 0.5, 0.9, 0.99])[None, None, :],
            np.full((observed.shape[0], horizon, 1), 6.0),
        )

    oracle.levels = (0.1, 0.5, 0.9, 0.99)  # type: ignore[attr-defined]
    report = run_policy_simulation(
        setup,
        forecaster=oracle,
        forecaster_name="oracle",
        sweep_levels=(0.9, 0.95),
        sweep_factors=(0.5, 1.0),
    )
    out = report.to_json()
    assert out["forecaster"] == "oracle"
    assert out["policies"]["forecast"]["overall"]["fill_rate"] > 0.95


@pytest.mark.integration
@pytest.mark.slow
def test_policy_sim_command_on_generated_data(policy_home: Path) -> None:
    out = policy_home / "report.json"
    result = CliRunner().invoke(policy_sim, ["--service-level", "0.95", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    assert report["target_service_level"] == 0.95
    assert set(report["policies"]) == {"fixed_factor", "service_level", "forecast"}
    for policy in report["policies"].values():
        assert set(policy["overall"]) >= {
            "fill_rate",
            "cycle_service_level",
            "stockout_days",
            "avg_inventory_value",
            "orders",
        }
        assert policy["by_demand_class"]
    assert report["forecaster"] == "RollingQuantileForecaster"
    fixed = [r for r in report["tradeoff"] if r["policy"] == "fixed_factor"]
    assert [r["value"] for r in fixed] == sorted(r["value"] for r in fixed)
