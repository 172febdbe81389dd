"""Safety-stock formulas against hand-computed cases and a Monte-Carlo reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ml.policy import (
    PolicyConfig,
    forecast_lead_time_demand,
    moments_from_quantiles,
    safety_stock_fixed,
    safety_stock_forecast,
    safety_stock_sample_paths,
    safety_stock_service_level,
    z_value,
)
from ml.policy.safety_stock import gamma_expected_shortage, lead_time_pmf

pytestmark = pytest.mark.unit

LEVELS = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


@pytest.mark.parametrize(
    ("level", "z"),
    [(0.5, 0.0), (0.90, 1.281552), (0.95, 1.644854), (0.98, 2.053749), (0.99, 2.326348)],
)
def test_z_values(level: float, z: float) -> None:
    assert z_value(level) == pytest.approx(z, abs=1e-6)


@pytest.mark.parametrize("bad", [0.0, 1.0, 1.2, -0.1])
def test_z_value_rejects_impossible_levels(bad: float) -> None:
    with pytest.raises(ValueError):
        z_value(bad)


def test_fixed_factor_is_demand_times_lead_time_times_factor() -> None:
    # 10 units/day * 7 days * 0.5 = 35; 4 * 3 * 1.0 = 12; vectorised over SKUs.
    got = safety_stock_fixed(np.array([10.0, 4.0]), np.array([7.0, 3.0]), np.array([0.5, 1.0]))
    np.testing.assert_allclose(got, [35.0, 12.0])


def test_service_level_formula_by_hand() -> None:
    # z(0.95) = 1.644854; sqrt(L sd^2 + d^2 sL^2) = sqrt(9*9 + 100*4) = sqrt(481) = 21.93171
    # -> 1.644854 * 21.93171 = 36.0747
    assert safety_stock_service_level(0.95, 10, 3, 9, 2) == pytest.approx(36.0747, abs=1e-3)
    # review period 5 joins the lead time: sqrt(14*9 + 400) = sqrt(526) = 22.93469 -> 37.7244
    assert safety_stock_service_level(0.95, 10, 3, 9, 2, 5) == pytest.approx(37.7244, abs=1e-3)
    # no lead-time variability: 2.053749 * sqrt(7 * 4) = 2.053749 * 5.291503 = 10.8674
    assert safety_stock_service_level(0.98, 5, 2, 7) == pytest.approx(10.8674, abs=1e-3)


def test_service_level_vectorised_over_series() -> None:
    d = pd.Series([10.0, 0.0])
    got = safety_stock_service_level(pd.Series([0.95, 0.9]), d, pd.Series([3.0, 0.0]), 9, 2)
    assert got.shape == (2,)
    assert got[1] == 0.0  # no demand, no variability: no safety stock


def test_moments_from_quantiles_exact_for_normal() -> None:
    q = stats.norm.ppf(LEVELS, loc=50, scale=10)
    m = moments_from_quantiles(q, LEVELS)
    assert m.mean == pytest.approx(50.0, abs=1e-3)
    assert m.var == pytest.approx(100.0, rel=1e-3)


def test_moments_from_quantiles_close_for_skewed_gamma() -> None:
    # Gamma(k=2, theta=5): mean 10, variance 50.
    m = moments_from_quantiles(stats.gamma.ppf(LEVELS, a=2, scale=5), LEVELS)
    assert m.mean == pytest.approx(10.0, rel=0.02)
    assert m.var == pytest.approx(50.0, rel=0.05)


def test_lead_time_pmf_keeps_the_mean() -> None:
    days, pmf = lead_time_pmf([2.5, 7.0, 10.0], [0.0, 2.0, 0.0])
    np.testing.assert_allclose(pmf.sum(axis=1), 1.0)
    np.testing.assert_allclose(pmf @ days, [2.5, 7.0, 10.0], atol=0.02)
    assert pmf[0, 2] == pytest.approx(0.5) and pmf[0, 3] == pytest.approx(0.5)


def test_forecast_quantile_matches_monte_carlo_not_sum_of_daily_quantiles() -> None:
    # Daily demand iid Gamma(2, 5); lead time 7 days fixed, no review.
    # Exact total: Gamma(14, 5); its p98 is 113.55.
    # Adding the daily p98s would give 7 * 29.17 = 204.2: 80 % too much.
    daily_q = stats.gamma.ppf(LEVELS, a=2, scale=5)
    cube = np.broadcast_to(daily_q, (1, 20, len(LEVELS)))
    res = forecast_lead_time_demand(cube, LEVELS, 0.98, 7.0)
    rng = np.random.default_rng(7)
    mc = rng.gamma(2.0, 5.0, size=(200_000, 7)).sum(axis=1)
    reference = np.quantile(mc, 0.98)
    assert res.quantile[0] == pytest.approx(reference, rel=0.03)
    assert res.mean[0] == pytest.approx(70.0, rel=0.02)
    sum_of_daily = 7 * stats.gamma.ppf(0.98, a=2, scale=5)
    assert sum_of_daily > 1.5 * res.quantile[0]
    ss = safety_stock_forecast(cube, LEVELS, 0.98, 7.0)
    assert ss[0] == pytest.approx(res.quantile[0] - res.mean[0])


def test_forecast_quantile_with_lead_time_uncertainty_matches_monte_carlo() -> None:
    # Lead time Gamma with mean 7, std 2 rounded to days; review period 3.
    daily_q = stats.gamma.ppf(LEVELS, a=2, scale=5)
    cube = np.broadcast_to(daily_q, (1, 30, len(LEVELS)))
    res = forecast_lead_time_demand(cube, LEVELS, 0.95, 7.0, 2.0, review_period_days=3)
    rng = np.random.default_rng(11)
    lead = np.rint(rng.gamma((7 / 2) ** 2, 4 / 7, 200_000)).astype(int) + 3
    total = rng.gamma(2.0 * lead, 5.0)
    assert res.mean[0] == pytest.approx(total.mean(), rel=0.02)
    assert np.sqrt(res.var[0]) == pytest.approx(total.std(), rel=0.05)
    assert res.quantile[0] == pytest.approx(np.quantile(total, 0.95), rel=0.03)


def test_forecast_uses_time_varying_days() -> None:
    # A promotion on days 1-3 (mean 40 instead of 10) must raise the lead-time demand.
    base = stats.norm.ppf(LEVELS, loc=10, scale=2)
    promo = stats.norm.ppf(LEVELS, loc=40, scale=6)
    flat = np.broadcast_to(base, (1, 10, len(LEVELS))).copy()
    peaked = flat.copy()
    peaked[0, :3] = promo
    a = forecast_lead_time_demand(flat, LEVELS, 0.95, 5.0)
    b = forecast_lead_time_demand(peaked, LEVELS, 0.95, 5.0)
    # means: 5 * 10 = 50 versus 3 * 40 + 2 * 10 = 140
    assert a.mean[0] == pytest.approx(50.0, abs=0.1)
    assert b.mean[0] == pytest.approx(140.0, abs=0.1)


def test_sample_paths_agree_with_exact_quantile() -> None:
    rng = np.random.default_rng(3)
    paths = rng.gamma(2.0, 5.0, size=(2, 20_000, 15))
    res = safety_stock_sample_paths(paths, [0.98, 0.9], [7.0, 7.0], 0.0, seed=1)
    assert res.quantile[0] == pytest.approx(stats.gamma.ppf(0.98, 14, scale=5), rel=0.03)
    assert res.quantile[1] == pytest.approx(stats.gamma.ppf(0.90, 14, scale=5), rel=0.03)
    again = safety_stock_sample_paths(paths, [0.98, 0.9], [7.0, 7.0], 2.0, seed=1)
    assert np.array_equal(
        again.quantile, safety_stock_sample_paths(paths, [0.98, 0.9], 7.0, 2.0, seed=1).quantile
    )


def test_gamma_expected_shortage() -> None:
    # No variance: E[(D - x)^+] = max(mu - x, 0) = 30.
    assert gamma_expected_shortage(100.0, 0.0, 70.0) == pytest.approx(30.0)
    # Against numerical integration for Gamma(k=4, theta=25) (mean 100, var 2500), x = 120.
    x = np.linspace(120, 2000, 400_001)
    integral = np.trapezoid((x - 120) * stats.gamma.pdf(x, 4, scale=25), x)
    assert gamma_expected_shortage(100.0, 2500.0, 120.0) == pytest.approx(integral, rel=1e-4)


def test_config_resolution_sku_over_category_over_global() -> None:
    cfg = PolicyConfig(
        method="service_level",
        category_methods={"fresh": "forecast"},
        sku_methods={"X": "fixed_factor"},
        sku_service_levels={"Y": 0.999},
    )
    skus = pd.Series(["X", "Y", "Z"])
    cats = pd.Series(["fresh", "fresh", "dry"])
    assert cfg.method_for(skus, cats).tolist() == ["fixed_factor", "forecast", "service_level"]
    levels = cfg.service_level_for(skus, pd.Series(["A", "b", None]))
    np.testing.assert_allclose(levels, [0.98, 0.999, 0.95])
    overridden = PolicyConfig.from_mapping({"service_levels": {"C": 0.85}})
    assert overridden.service_levels == {"A": 0.98, "B": 0.95, "C": 0.85}
    with pytest.raises(ValueError):
        PolicyConfig(method="magic")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        PolicyConfig.from_mapping({"servce_levels": {}})
