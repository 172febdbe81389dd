"""The array-based feature helpers against their plain pandas definitions."""

import numpy as np
import pandas as pd
import pytest

from ml.forecasting.features import _GroupCumsum, _profile

pytestmark = pytest.mark.unit


def test_group_window_means_match_pandas_shift_rolling():
    rng = np.random.default_rng(0)
    sizes = [40, 3, 25]
    values = rng.poisson(5, sum(sizes)).astype(float)
    values[[2, 10, 50]] = np.nan  # censored days are skipped
    sku = np.repeat(["A", "B", "C"], sizes)
    pos = pd.Series(sku).groupby(sku).cumcount().to_numpy()
    sums = _GroupCumsum(values, pos)
    s = pd.Series(values)
    for lag, window in [(1, 7), (14, 7), (5, 28)]:
        expected = s.groupby(sku).transform(
            lambda g, lag=lag, window=window: g.shift(lag).rolling(window, min_periods=1).mean()
        )
        ours = sums.mean(lag, window)
        assert ours.dtype == np.float32
        np.testing.assert_allclose(ours, expected.to_numpy(), rtol=1e-6, equal_nan=True)


def test_profile_is_the_groupby_mean_per_code_and_key():
    codes = np.array([0, 0, 0, 1, 1, 2])
    key = np.array([0, 0, 1, 1, 1, 0])
    values = np.array([1.0, 3.0, 5.0, np.nan, 4.0, 6.0])
    table = _profile(codes, key, values, 2, 3)
    assert table.shape == (3, 2)
    assert table[0, 0] == 2.0 and table[0, 1] == 5.0 and table[1, 1] == 4.0
    assert np.isnan(table[1, 0]) and np.isnan(table[2, 1]) and table[2, 0] == 6.0
