import numpy as np
import pandas as pd
import pytest

from ml.forecasting import fit_forecast
from ml.forecasting.censoring import censor_and_impute

from .conftest import FAST_CONFIG, seasonal_frame

CONFIG = FAST_CONFIG.__class__(
    **{**FAST_CONFIG.__dict__, "models": ("seasonal_naive_7", "lightgbm_global")}
)


def _with_stockouts(frame: pd.DataFrame, sku: str) -> pd.DataFrame:
    """Copy of one SKU whose sales are 0 on stockout days: a 35-day run ending today
    and a 20-day run mid-history."""
    out = frame[frame["sku"] == sku].copy()
    out["sku"] = sku + "-OOS"
    n = len(out)
    oos = np.zeros(n, dtype=bool)
    oos[n - 35 :] = True
    oos[100:120] = True
    out["is_stockout"] = oos
    out.loc[oos, "quantity"] = 0
    return out


@pytest.mark.unit
def test_imputation_restores_weekday_level():
    frame = seasonal_frame(["A"], days=200, level=30.0)
    censored = _with_stockouts(frame, "A")
    out = censor_and_impute(censored)
    assert out["is_censored"].sum() == 55
    assert (out.loc[out["is_censored"], "quantity_observed"] == 0).all()
    truth = frame["quantity"].to_numpy()[out["is_censored"].to_numpy()]
    imputed = out.loc[out["is_censored"], "quantity"].to_numpy()
    assert imputed.mean() == pytest.approx(truth.mean(), rel=0.15)


@pytest.mark.unit
def test_long_stockouts_are_not_under_forecast():
    base = seasonal_frame(["A", "B", "C"], days=300, level=30.0, seed=5)
    base["is_stockout"] = False
    frame = pd.concat([base, _with_stockouts(base, "A")], ignore_index=True)
    fc = fit_forecast(frame, CONFIG).forecasts
    stocked = fc.loc[fc["sku"] == "A", "p50"].mean()
    censored = fc.loc[fc["sku"] == "A-OOS", "p50"].mean()
    assert censored >= 0.9 * stocked
    assert "censored_history" in fc.loc[fc["sku"] == "A-OOS", "flags"].iloc[0]

    # Control: the same zeros read as demand drag the forecast down, so the test has power.
    naive = fit_forecast(frame.drop(columns="is_stockout"), CONFIG).forecasts
    assert naive.loc[naive["sku"] == "A-OOS", "p50"].mean() < 0.6 * stocked
