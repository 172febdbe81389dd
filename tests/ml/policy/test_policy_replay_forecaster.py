"""The replay's stand-in forecaster: weekday means, ordered non-negative quantiles."""

import numpy as np
import pytest

from ml.policy import RollingQuantileForecaster


@pytest.mark.unit
def test_rolling_forecaster_follows_weekdays_and_orders_quantiles() -> None:
    week = np.array([0, 0, 0, 0, 0, 10, 20], dtype=float)
    observed = np.tile(week, 8)[None, :]  # the issue day is weekday 0 of this pattern
    q = RollingQuantileForecaster()(observed, 10)
    assert q.shape == (1, 10, 7)
    assert np.allclose(q[0, :, 2], np.r_[week, week[:3]])  # no noise: p50 = weekday mean
    noisy = np.random.default_rng(0).poisson(5, (3, 60)).astype(float)
    q = RollingQuantileForecaster()(noisy, 5)
    assert (np.diff(q, axis=2) >= 0).all() and (q >= 0).all()


@pytest.mark.unit
def test_rolling_forecaster_refuses_less_than_a_week() -> None:
    with pytest.raises(ValueError, match="at least 7 days"):
        RollingQuantileForecaster()(np.ones((2, 6)), 3)
