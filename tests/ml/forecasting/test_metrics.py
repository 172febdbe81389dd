import numpy as np
import pandas as pd
import pytest

from ml.forecasting import metrics as m

pytestmark = pytest.mark.unit

Y = [2.0, 0.0, 4.0, 6.0]
F = [3.0, 1.0, 2.0, 6.0]


def test_mae_rmse_by_hand():
    # |errors| = 1, 1, 2, 0
    assert m.mae(Y, F) == pytest.approx(1.0)
    assert m.rmse(Y, F) == pytest.approx(np.sqrt((1 + 1 + 4 + 0) / 4))


def test_mape_ignores_zero_actuals():
    # non-zero actuals: 2 (err 1), 4 (err 2), 6 (err 0) -> (0.5 + 0.5 + 0) / 3
    assert m.mape(Y, F) == pytest.approx(1 / 3)
    assert np.isnan(m.mape([0, 0], [1, 2]))


def test_smape_by_hand():
    # 2*1/5, 2*1/1, 2*2/6, 0
    assert m.smape(Y, F) == pytest.approx((0.4 + 2.0 + 2 / 3 + 0) / 4)
    assert m.smape([0.0], [0.0]) == 0.0


def test_wape_and_bias_by_hand():
    assert m.wape(Y, F) == pytest.approx(4 / 12)
    assert m.bias(Y, F) == pytest.approx((12 - 12) / 12)
    assert m.bias([1, 1], [2, 2]) == pytest.approx(1.0)


def test_nan_actuals_are_not_scored():
    assert m.mae([1.0, np.nan], [2.0, 100.0]) == pytest.approx(1.0)


def test_mase_uses_in_sample_seasonal_naive():
    history = [1, 2, 3, 4, 5, 6, 7, 3, 2, 3, 4, 5, 6, 7]  # season-7 diffs: 2,0,0,...,0
    assert m.seasonal_naive_mae(history, 7) == pytest.approx(2 / 7)
    assert m.mase([1.0, 1.0], [2.0, 2.0], history) == pytest.approx(1.0 / (2 / 7))


def test_mean_mase_averages_per_series():
    hist = pd.DataFrame(
        {
            "sku": ["a"] * 8 + ["b"] * 8,
            "date": list(pd.date_range("2024-01-01", periods=8)) * 2,
            "quantity": [1, 1, 1, 1, 1, 1, 1, 3] + [0, 0, 0, 0, 0, 0, 0, 4],
        }
    )  # scales: a -> 2, b -> 4
    scored = pd.DataFrame({"sku": ["a", "b"], "y": [1.0, 1.0], "y_hat": [3.0, 5.0]})
    # per series MASE: 2/2 = 1 and 4/4 = 1 -> mean 1
    assert m.mean_mase(scored, hist) == pytest.approx(1.0)


def test_coverage_and_pinball_by_hand():
    assert m.coverage([1, 5, 10], [0, 0, 0], [4, 6, 8]) == pytest.approx(2 / 3)
    assert m.share_outside([1, 5, np.nan, 10], [2, 2, 2, 2], below=True) == pytest.approx(1 / 3)
    assert m.share_outside([1, 5, 10], [4, 6, 8], below=False) == pytest.approx(1 / 3)
    # q=0.9: y=10, f=8 -> 0.9*2 = 1.8; y=6, f=8 -> 0.1*2 = 0.2
    assert m.pinball_loss([10, 6], [8, 8], 0.9) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        m.pinball_loss([1], [1], 1.5)


def test_tie_aware_coverage_brackets_the_nominal_level_by_hand():
    # Zero-inflated integer demand: p10 = 0 = the actual on zero days.
    y = [0, 0, 0, 1, 2]
    lo, hi = [0] * 5, [1] * 5
    assert m.coverage(y, lo, hi) == pytest.approx(4 / 5)  # 0, 0, 0, 1 inside [0, 1]
    assert m.coverage_strict(y, lo, hi) == 0.0  # nothing strictly between 0 and 1
    assert m.share_at_or_below(y, hi) == pytest.approx(4 / 5)
    assert m.share_at_or_below(y, hi, strict=True) == pytest.approx(3 / 5)
    assert m.share_at_or_below([np.nan, 3.0], [2.0, 2.0]) == 0.0


def test_tie_aware_bracket_of_exact_poisson_quantiles_contains_the_level():
    # Exact quantiles of a discrete distribution satisfy P(y < q) <= t <= P(y <= q),
    # which is what the bracket reports; a p90 one unit too low breaks it.
    from scipy import stats

    rng = np.random.default_rng(0)
    y = rng.poisson(0.4, 200_000)
    q10, q90 = stats.poisson.ppf(0.1, 0.4), stats.poisson.ppf(0.9, 0.4)
    assert m.share_at_or_below(y, np.full(y.size, q90), strict=True) <= 0.9
    assert m.share_at_or_below(y, np.full(y.size, q90)) >= 0.9
    lo, hi = np.full(y.size, q10), np.full(y.size, q90)
    assert m.coverage_strict(y, lo, hi) <= 0.8 <= m.coverage(y, lo, hi)
    assert m.share_at_or_below(y, np.full(y.size, q90 - 1)) < 0.9


def test_summarize_groups():
    hist = pd.DataFrame(
        {
            "sku": ["a"] * 8,
            "date": pd.date_range("2024-01-01", periods=8),
            "quantity": [1, 1, 1, 1, 1, 1, 1, 3],
        }
    )
    scored = pd.DataFrame(
        {
            "sku": ["a", "a"],
            "y": [1.0, 2.0],
            "p50": [1.0, 1.0],
            "p10": [0.0, 0.0],
            "p90": [2.0, 1.5],
            "c": ["x", "y"],
        }
    )
    out = m.summarize(scored, hist, quantile_cols={0.1: "p10", 0.5: "p50", 0.9: "p90"})
    assert out["coverage_80"] == pytest.approx(0.5)
    assert out["below_p10"] == 0.0 and out["above_p90"] == pytest.approx(0.5)
    assert out["coverage_80_strict"] == pytest.approx(0.5)  # y=1 in (0, 2); y=2 is not
    assert out["at_or_below_p10"] == 0.0 and out["below_p90"] == pytest.approx(0.5)
    assert out["at_or_below_p90"] == pytest.approx(0.5) and out["below_p50"] == 0.0
    assert out["wape"] == pytest.approx(1 / 3)
    by = m.summarize(scored, hist, by="c")
    assert set(by) == {"x", "y"} and by["x"]["mae"] == 0.0


def test_per_sku_metrics_match_summarize_per_sku():
    rng = np.random.default_rng(3)
    skus = [f"s{i}" for i in range(6)]
    hist = pd.DataFrame(
        {
            "sku": np.repeat(skus, 30),
            "date": np.tile(pd.date_range("2024-01-01", periods=30), 6),
            "quantity": rng.poisson(2, 180).astype(float),
        }
    )
    hist.loc[hist["sku"] == "s5", "quantity"] = 1.0  # zero naive scale -> MASE NaN
    y = rng.poisson(1.5, 6 * 14).astype(float)
    y[[3, 20, 40]] = np.nan  # censored days
    p50 = rng.poisson(1.5, y.size).astype(float)
    scored = pd.DataFrame(
        {
            "sku": np.repeat(skus, 14),
            "y": y,
            "p10": np.maximum(p50 - 1, 0),
            "p50": p50,
            "p90": p50 + 2,
        }
    )
    scored.loc[scored["sku"] == "s4", "y"] = 0.0  # all-zero actuals: MAPE, WAPE NaN
    qcols = {0.1: "p10", 0.5: "p50", 0.9: "p90"}
    fast = m.per_sku_metrics(scored, hist, quantile_cols=qcols)
    slow = m.summarize(scored, hist, quantile_cols=qcols, by="sku")
    assert list(fast.index) == skus
    for sku in skus:
        for col in fast.columns:
            want = slow[sku][col]
            got = fast.loc[sku, col]
            if want is None or (isinstance(want, float) and np.isnan(want)):
                assert np.isnan(got), (sku, col)
            else:
                assert got == pytest.approx(want, abs=1e-6), (sku, col)
    assert np.isnan(fast.loc["s5", "mase"]) and np.isnan(fast.loc["s4", "wape"])
