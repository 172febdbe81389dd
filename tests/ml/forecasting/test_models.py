"""Every registry model on a simple weekly-seasonal series, with an error bound per model."""

import numpy as np
import pandas as pd
import pytest
from darts import TimeSeries

from ml.forecasting.censoring import censor_and_impute
from ml.forecasting.features import build_global_data
from ml.forecasting.models import REGISTRY, candidates_for

from .conftest import seasonal_frame

pytestmark = pytest.mark.unit

H = 14
# Relative MAE bound on the last 14 days: seasonal models must see the weekly pattern,
# level-only models (mean, Croston-type) only the level.
BOUNDS = {
    "seasonal_naive_7": 0.30,
    "auto_ets": 0.20,
    "auto_theta": 0.20,
    "auto_arima": 0.20,
    "lightgbm_global": 0.20,
    "naive_mean": 0.35,
    "tsb": 0.35,
    "croston_sba": 0.35,
}


def test_every_model_has_a_bound_and_names_are_unique():
    assert set(BOUNDS) == set(REGISTRY)
    assert len({s.name for s in REGISTRY.values()}) == len(REGISTRY)


def test_intermittent_classes_get_an_intermittent_candidate():
    for cls in ("intermittent", "lumpy"):
        assert {"tsb", "croston_sba"} & set(candidates_for(cls))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_model_error_bound_on_seasonal_series(name):
    frame = seasonal_frame(["A", "B"], days=210, level=30.0, seed=3)
    train = frame[frame["date"] < frame["date"].max() - pd.Timedelta(days=H - 1)]
    test = frame[frame["date"] > train["date"].max()]
    spec = REGISTRY[name]
    if spec.kind == "global":
        prepared = censor_and_impute(train)
        data = build_global_data(
            prepared, skus=["A", "B"], scale_end=train["date"].max(), horizon=H, extend=H
        )
        model = spec.build(0)
        model.model.set_params(n_estimators=100, num_leaves=15, min_child_samples=10)
        model.fit(data.target, future_covariates=data.covariates)
        pred = model.predict(H, series=data.target[0], future_covariates=data.covariates[0])
        y_hat = pred.values()[:, 0] * data.scales["A"]
    else:
        a = train[train["sku"] == "A"]
        ts = TimeSeries.from_dataframe(a, time_col="date", value_cols="quantity", freq="D")
        y_hat = spec.build(0).fit(ts).predict(H).values()[:, 0]
    y = test.loc[test["sku"] == "A", "quantity"].to_numpy()
    rel_mae = np.mean(np.abs(y - y_hat)) / y.mean()
    assert rel_mae < BOUNDS[name], f"{name}: relative MAE {rel_mae:.3f}"
