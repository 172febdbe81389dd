"""The stand-in forecaster of policy replays: seasonal-naive means plus residual quantiles.

A replay needs forecasts *issued during* the held-out period, each from the data before
its issue date. Replaying the production forecaster every week of the period is its own
backtest's job (and costs minutes per issue), so replays default to this deliberately
simple, documented forecaster; any callable with the same signature
(``observed (n, t) -> quantiles (n, H, k)``) can be passed instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

FORECAST_LEVELS: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99)
"""Quantile levels the replay's forecast-distribution policy reads."""


@dataclass(frozen=True)
class RollingQuantileForecaster:
    """Seasonal-naive quantile forecaster: the stand-in for the production model in replays.

    For each SKU, from the last ``window`` days (a multiple of 7) before the issue:

    * mean of day h = mean demand of the same weekday in the window;
    * quantile q of day h = that mean + the empirical q-quantile of the window's residuals
      (demand minus its weekday mean), floored at 0.

    Empirical residual quantiles keep the skew of intermittent and lumpy demand that a
    normal band would hide. It ignores trend, promotions and holidays, so it is a floor for
    what the real forecaster should achieve, not a claim about it.
    """

    levels: tuple[float, ...] = FORECAST_LEVELS
    window: int = 56

    def __call__(self, observed: np.ndarray, horizon: int) -> np.ndarray:
        """Quantiles (n_sku, horizon, len(levels)) for the days after ``observed``."""
        obs = np.asarray(observed, dtype=float)
        weeks = min(self.window, obs.shape[1]) // 7
        if weeks == 0:
            raise ValueError("the rolling forecaster needs at least 7 days of history")
        past = obs[:, obs.shape[1] - 7 * weeks :].reshape(obs.shape[0], weeks, 7)
        # Column c of a window ending right before the issue is weekday (issue day + c) % 7.
        dow_mean = past.mean(axis=1)
        residuals = (past - dow_mean[:, None, :]).reshape(obs.shape[0], -1)
        spread = np.quantile(residuals, self.levels, axis=1).T  # (n, k)
        mean = np.tile(dow_mean, math.ceil(horizon / 7))[:, :horizon]
        return np.maximum(mean[:, :, None] + spread[:, None, :], 0.0)
