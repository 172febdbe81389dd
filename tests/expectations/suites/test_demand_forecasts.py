from __future__ import annotations

import pandas as pd
import pytest
from gx_checks import assert_only_failure

from expectations import run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


@pytest.fixture
def forecasts():
    return gx_frames.demand_forecasts()


def test_clean_forecasts_pass(forecasts):
    result = run_suite("ml.demand_forecasts", forecasts)
    assert result.success, [o.message for o in result.outcomes if not o.success]


def test_crossed_quantiles_are_critical(forecasts):
    forecasts.loc[4, "p90"] = forecasts.loc[4, "p50"] - 1
    result = run_suite("ml.demand_forecasts", forecasts)
    assert_only_failure(result, "p50_le_p90", "critical")
    assert "break p90 >= p50" in result.outcome("p50_le_p90").message


def test_p99_below_p95_is_critical(forecasts):
    forecasts.loc[7, "p99"] = forecasts.loc[7, "p95"] * 0.5
    assert_only_failure(run_suite("ml.demand_forecasts", forecasts), "p95_le_p99", "critical")


def test_negative_quantile_is_critical(forecasts):
    forecasts.loc[0, "p10"] = -0.5
    assert_only_failure(run_suite("ml.demand_forecasts", forecasts), "p10_non_negative", "critical")


def test_negative_expected_demand_is_critical(forecasts):
    forecasts.loc[3, "mean"] = -1.0
    result = run_suite("ml.demand_forecasts", forecasts)
    assert_only_failure(result, "mean_non_negative", "critical")


def test_duplicate_forecast_is_critical(forecasts):
    doubled = pd.concat([forecasts, forecasts.iloc[[3]]], ignore_index=True)
    assert_only_failure(run_suite("ml.demand_forecasts", doubled), "key_unique", "critical")


def test_same_sku_day_in_two_forecast_dates_is_fine(forecasts):
    older = forecasts.assign(forecast_date=forecasts["forecast_date"] - pd.Timedelta(days=1))
    assert run_suite("ml.demand_forecasts", pd.concat([forecasts, older])).passed_critical


def test_null_median_is_critical(forecasts):
    forecasts.loc[0, "p50"] = None
    result = run_suite("ml.demand_forecasts", forecasts)
    assert result.outcome("p50_not_null").severity == "critical"
    assert not result.outcome("p50_not_null").success
