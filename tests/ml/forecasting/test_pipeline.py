import numpy as np
import pandas as pd
import pytest
from darts import TimeSeries
from darts.models import NaiveSeasonal

from ml.forecasting import evaluate_detailed, fit_forecast
from ml.forecasting.conformal import QUANTILES
from ml.forecasting.pipeline import OUTPUT_COLUMNS, seasonal_naive_forecast

from .conftest import seasonal_frame

pytestmark = pytest.mark.unit
QCOLS = [f"p{round(q * 100)}" for q in QUANTILES]


@pytest.fixture(scope="module")
def run(mixed_frame):
    from .conftest import FAST_CONFIG

    dates = pd.date_range(end=mixed_frame["date"].max(), periods=300)
    extra = pd.concat(
        [
            pd.DataFrame({"sku": "ZERO", "date": dates, "quantity": 0}),
            pd.DataFrame({"sku": "NEW", "date": dates[-7:], "quantity": [3, 0, 5, 2, 4, 9, 1]}),
        ]
    )
    return fit_forecast(pd.concat([mixed_frame, extra], ignore_index=True), FAST_CONFIG)


def test_output_contract(run):
    fc = run.forecasts
    assert list(fc.columns) == OUTPUT_COLUMNS
    assert fc.groupby("sku").size().eq(14).all()
    assert set(fc["sku"]) == {"A", "B", "C", "D", "X", "Y", "ZERO", "NEW"}
    assert fc[QCOLS].notna().all().all()
    assert fc["mean"].notna().all() and (fc["mean"] >= 0).all()


def test_p50_is_the_median_and_mean_the_expected_demand(run):
    # A sale on ~15% of days: the median day sells nothing, the mean is about 0.45.
    fc = run.forecasts.set_index("sku").loc[["X", "Y"]]
    assert (fc["p50"] <= 0.5).all()
    per_sku = fc.groupby(level=0)[["p50", "mean"]].mean()
    assert per_sku["mean"].between(0.2, 1.5).all()
    assert (per_sku["p50"] < per_sku["mean"]).all()


def test_p50_is_calibrated_as_a_median_on_skewed_demand(fast_config):
    """Over-dispersed demand (mean above median): p50 splits the held-out actuals in two.

    The point forecast is a mean, so more than half the actuals fall below it; the
    conformal median (the default) brings the share back to about one half.
    """
    from dataclasses import replace

    rng = np.random.default_rng(7)
    dates = pd.date_range("2023-01-01", periods=280, freq="D")
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "sku": f"E{i:02d}",
                    "date": dates,
                    "quantity": rng.poisson(rng.gamma(0.6, 10 / 0.6, dates.size)),
                }
            )
            for i in range(24)
        ],
        ignore_index=True,
    )
    config = replace(fast_config, models=("seasonal_naive_7", "lightgbm_global"))
    median = evaluate_detailed(frame, horizon=14, config=config).metrics["stockcast"]
    mean = evaluate_detailed(
        frame, horizon=14, config=replace(config, median_from_residuals=False)
    ).metrics["stockcast"]
    assert mean["below_p50"] > 0.57  # the mean forecast sits above most actuals
    assert median["below_p50"] - 0.07 <= 0.5 <= median["at_or_below_p50"] + 0.07
    assert median["pinball_p50"] < mean["pinball_p50"]


def test_quantiles_monotone_and_non_negative(run):
    q = run.forecasts[QCOLS].to_numpy()
    assert (q >= 0).all()
    assert (np.diff(q, axis=1) >= -1e-9).all()
    inter = run.forecasts[run.forecasts["sku"].isin(["X", "Y"])]
    assert (inter["p90"] > 0).all()  # intermittent SKUs get a real interval, not zeros


def test_intermittent_skus_get_an_intermittent_method(run):
    cls = run.classes.set_index("sku")["demand_class"]
    assert cls["X"] in {"intermittent", "lumpy"}
    for sku in ("X", "Y"):
        models = set(run.backtest.loc[run.backtest["sku"] == sku, "model"])
        assert "tsb" in models
        assert "auto_theta" not in models  # smooth-only candidate


def test_short_and_all_zero_skus_get_a_flagged_forecast(run):
    fc = run.forecasts.set_index("sku")
    assert (fc.loc["ZERO", "p50"] == 0).all()
    assert fc.loc["ZERO", "flags"].iloc[0] == "all_zero"
    assert "short_history" in fc.loc["NEW", "flags"].iloc[0]
    assert fc.loc["NEW", "p50"].between(0, 20).all()
    assert fc.loc["NEW", "p90"].gt(0).all()
    assert fc.loc["A", "flags"].iloc[0] == ""


def test_selection_never_sees_the_holdout(mixed_frame, fast_config):
    horizon = fast_config.horizon
    split = mixed_frame["date"].max() - pd.Timedelta(days=horizon)
    garbage = mixed_frame.copy()
    garbage.loc[garbage["date"] > split, "quantity"] = 10_000  # poison the holdout
    clean = evaluate_detailed(mixed_frame, horizon=horizon, config=fast_config)
    poisoned = evaluate_detailed(garbage, horizon=horizon, config=fast_config)
    assert clean.run.backtest["date"].max() <= split
    assert clean.run.training_window[1] == split
    pd.testing.assert_frame_equal(clean.run.selection, poisoned.run.selection)
    pd.testing.assert_frame_equal(clean.run.forecasts, poisoned.run.forecasts)
    assert poisoned.metrics["stockcast"]["mae"] > 100 * clean.metrics["stockcast"]["mae"]
    for key in ("mase", "wape", "coverage_80"):
        assert np.isfinite(clean.metrics["stockcast"][key])
    assert clean.metrics["seasonal_naive"]["mase"] > 0


def test_vectorised_seasonal_naive_equals_darts():
    frame = seasonal_frame(["A"], days=40)
    ours = seasonal_naive_forecast(frame, horizon=10)["y_hat"].to_numpy()
    ts = TimeSeries.from_dataframe(frame, time_col="date", value_cols="quantity", freq="D")
    darts = NaiveSeasonal(K=7).fit(ts).predict(10).values()[:, 0]
    np.testing.assert_allclose(ours, darts)


def test_input_contract_errors():
    frame = seasonal_frame(["A"], days=30)
    with pytest.raises(ValueError, match="missing columns"):
        fit_forecast(frame.drop(columns="quantity"))
    with pytest.raises(ValueError, match="duplicate"):
        fit_forecast(pd.concat([frame, frame.head(1)]))


def test_vectorised_naive_backtest_equals_darts_historical_forecasts():
    from ml.forecasting.backtest import backtest_local, backtest_seasonal_naive, rolling_cutoffs
    from ml.forecasting.censoring import censor_and_impute

    frame = censor_and_impute(seasonal_frame(["A", "B"], days=80))
    cutoffs = rolling_cutoffs(frame["date"].max(), horizon=10, n_origins=3, stride=7)
    ours = backtest_seasonal_naive(frame, ["A", "B"], cutoffs, horizon=10)
    series = {
        s: TimeSeries.from_dataframe(g, time_col="date", value_cols="quantity", freq="D")
        for s, g in frame.groupby("sku")
    }
    theirs = backtest_local(
        "seasonal_naive_7", series, cutoffs, horizon=10, stride=7, train_length=None
    )
    key = ["sku", "cutoff", "date"]
    merged = ours.merge(theirs, on=key, suffixes=("", "_darts"))
    assert len(merged) == len(ours) == 2 * 3 * 10
    np.testing.assert_allclose(merged["y_hat"], merged["y_hat_darts"])


def test_price_promo_holiday_covariates_are_used(fast_config):
    from ml.forecasting.censoring import censor_and_impute
    from ml.forecasting.features import build_global_data

    frame = seasonal_frame(["A", "B", "C"], days=200)
    rng = np.random.default_rng(0)
    frame["is_promo"] = rng.random(len(frame)) < 0.1
    frame["unit_price"] = np.where(frame["is_promo"], 8.0, 10.0)
    frame["is_holiday"] = frame["date"].dt.dayofyear.isin([1, 100])
    frame.loc[frame["is_promo"], "quantity"] *= 2
    end = frame["date"].max()
    data = build_global_data(
        censor_and_impute(frame), skus=["A", "B", "C"], scale_end=end, horizon=14, extend=14
    )
    assert {"is_promo", "price_ratio", "is_holiday"} <= set(data.feature_columns)
    assert data.covariates[0].end_time() == end + pd.Timedelta(days=14)
    cfg = fast_config.__class__(
        **{**fast_config.__dict__, "models": ("seasonal_naive_7", "lightgbm_global")}
    )
    fc = fit_forecast(frame, cfg).forecasts
    assert len(fc) == 3 * 14 and (fc["p50"] >= 0).all()


def test_series_by_sku_matches_from_group_dataframe():
    from ml.forecasting.features import series_by_sku

    frame = seasonal_frame(["A", "B"], days=20)
    frame["quantity"] = frame["quantity"].astype(float)
    skus, ours = series_by_sku(frame, ["quantity"])
    theirs = TimeSeries.from_group_dataframe(
        frame, group_cols="sku", time_col="date", value_cols="quantity", freq="D"
    )
    assert skus == ["A", "B"]
    for a, b in zip(ours, theirs, strict=True):
        assert a.time_index.equals(b.time_index)
        np.testing.assert_array_equal(a.values(), b.values())
    gappy = frame.drop(index=[3])  # a gap: falls back to Darts' group constructor
    skus, series = series_by_sku(gappy, ["quantity"])
    assert skus == ["A", "B"] and len(series) == 2


def test_holdout_origins_tile_the_holdout():
    from ml.forecasting.pipeline import holdout_origins

    end = pd.Timestamp("2024-03-31")
    assert holdout_origins(end, 10, 14) == [(pd.Timestamp("2024-03-21"), 10)]
    assert holdout_origins(end, 14, 14) == [(pd.Timestamp("2024-03-17"), 14)]
    assert holdout_origins(end, 33, 14) == [
        (pd.Timestamp("2024-02-27"), 14),
        (pd.Timestamp("2024-03-12"), 14),
        (pd.Timestamp("2024-03-26"), 5),
    ]
    with pytest.raises(ValueError):
        holdout_origins(end, 0, 14)


def test_long_holdout_is_scored_from_successive_origins_that_never_see_their_block(
    mixed_frame, fast_config
):
    """33 days at horizon 14: origins cover 14 + 14 + 5 days, each blind to its own block.

    Poisoning the second block leaves the first two origins' forecasts unchanged (the
    second origin forecasts that block without seeing it) and changes the third's (it
    trains on the second block), so each origin sees exactly the data up to itself.
    """
    horizon, holdout = fast_config.horizon, 2 * fast_config.horizon + 5
    end = mixed_frame["date"].max()
    split = end - pd.Timedelta(days=holdout)
    second = split + pd.Timedelta(days=horizon)
    third = second + pd.Timedelta(days=horizon)
    poisoned = mixed_frame.copy()
    in_second = (poisoned["date"] > second) & (poisoned["date"] <= third)
    poisoned.loc[in_second, "quantity"] = 10_000

    clean = evaluate_detailed(
        mixed_frame, horizon=horizon, holdout_days=holdout, config=fast_config
    )
    bad = evaluate_detailed(poisoned, horizon=horizon, holdout_days=holdout, config=fast_config)

    sc = clean.scored
    assert sorted(sc["forecast_date"].unique()) == [split, second, third]
    assert not sc.duplicated(["sku", "target_date"]).any()
    assert sc.groupby("sku").size().eq(holdout).all()
    assert sc["target_date"].min() == split + pd.Timedelta(days=1)
    assert sc["target_date"].max() == end
    assert (sc["target_date"] > sc["forecast_date"]).all()
    assert (sc["target_date"] <= sc["forecast_date"] + pd.Timedelta(days=horizon)).all()
    assert [o["days"] for o in clean.metrics["origins"]] == [horizon, horizon, 5]
    assert clean.metrics["n_origins"] == 3 and clean.metrics["holdout_days"] == holdout
    assert clean.run.training_window[1] == split

    qcols = ["p10", "p50", "p90", "p95", "p99"]
    key = ["sku", "target_date"]
    for origin in (split, second):
        a = sc[sc["forecast_date"] == origin].sort_values(key).reset_index(drop=True)
        b = bad.scored[bad.scored["forecast_date"] == origin].sort_values(key)
        pd.testing.assert_frame_equal(a[key + qcols], b.reset_index(drop=True)[key + qcols])
    a = sc[sc["forecast_date"] == third].sort_values(key)
    b = bad.scored[bad.scored["forecast_date"] == third].sort_values(key)
    assert (b["p50"].to_numpy() > a["p50"].to_numpy() + 1).any()
    # The poisoned block is scored against its poisoned actuals: only its origin suffers.
    errors = [o["stockcast"]["mae"] for o in bad.metrics["origins"]]
    clean_errors = [o["stockcast"]["mae"] for o in clean.metrics["origins"]]
    assert errors[0] == clean_errors[0]
    assert errors[1] > 100 * clean_errors[1]
    # The seasonal-naive baseline also restarts at each origin.
    assert [o["seasonal_naive"]["n_points"] for o in clean.metrics["origins"]] == [
        6 * horizon,
        6 * horizon,
        6 * 5,
    ]
    pooled = clean.metrics["stockcast"]
    assert pooled["n_points"] == 6 * holdout and np.isfinite(pooled["coverage_80"])


def test_holdout_up_to_the_horizon_is_one_origin(mixed_frame, fast_config):
    """N <= horizon: one fit on the days before the holdout, scored on its first N days."""
    ev = evaluate_detailed(
        mixed_frame, horizon=fast_config.horizon, holdout_days=9, config=fast_config
    )
    split = mixed_frame["date"].max() - pd.Timedelta(days=9)
    assert ev.metrics["n_origins"] == 1 and len(ev.metrics["origins"]) == 1
    assert ev.run.training_window[1] == split
    assert set(ev.scored["forecast_date"]) == {split}
    assert ev.scored["horizon"].max() == 9 and ev.scored.groupby("sku").size().eq(9).all()
    expected = ev.run.forecasts[ev.run.forecasts["horizon"] <= 9]
    np.testing.assert_allclose(
        ev.scored.sort_values(["sku", "target_date"])["p50"], expected["p50"].to_numpy()
    )
    assert ev.metrics["origins"][0]["stockcast"] == ev.metrics["stockcast"]
