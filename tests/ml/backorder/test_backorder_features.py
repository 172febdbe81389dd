"""Derived domain features: values, names, pass-through, and no dependence on other rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.backorder import FEATURE_COLUMNS, build_pipeline
from ml.backorder.features import DERIVED_COLUMNS, DomainFeatures
from ml.backorder.model import capped_rows, features

pytestmark = pytest.mark.unit


def test_derived_values_follow_the_formulas(synthetic_train):
    X = features(synthetic_train.head(50))
    out = DomainFeatures().fit_transform(X)
    assert list(out.columns) == [*FEATURE_COLUMNS, *DERIVED_COLUMNS]
    pd.testing.assert_frame_equal(out[list(FEATURE_COLUMNS)], X)
    inv, transit, f3 = X["national_inv"], X["in_transit_qty"], X["forecast_3_month"]
    np.testing.assert_allclose(out["net_position_3m"], inv + transit - f3, rtol=1e-6)
    np.testing.assert_allclose(out["supply_cover_3m"], (inv + transit) / (f3 + 1), rtol=1e-5)
    np.testing.assert_allclose(out["min_bank_gap"], inv - X["min_bank"], rtol=1e-6)
    assert out["perf_missing"].eq(X["perf_6_month_avg"].isna().astype(float)).all()
    assert out["has_past_due"].eq((X["pieces_past_due"] > 0).astype(float)).all()
    unknown_lead = X["lead_time"].isna()
    assert out.loc[unknown_lead, "lead_time_demand_gap"].isna().all()
    finite = out.drop(columns=["lead_time_demand_gap", "perf_trend"]).drop(
        columns=list(FEATURE_COLUMNS)
    )
    assert np.isfinite(finite.to_numpy()).all(), "zero demand must not divide by zero"


def test_rows_are_transformed_independently(synthetic_train):
    X = features(synthetic_train.head(40))
    whole = DomainFeatures().fit_transform(X)
    alone = DomainFeatures().fit(X.iloc[:5]).transform(X.iloc[[7]])
    pd.testing.assert_frame_equal(alone, whole.iloc[[7]])


def test_disabled_passes_through_and_names_follow(synthetic_train):
    X = features(synthetic_train.head(10))
    off = DomainFeatures(enabled=False).fit(X)
    assert off.transform(X) is X
    assert list(off.get_feature_names_out()) == list(FEATURE_COLUMNS)
    on = DomainFeatures().fit(X)
    assert list(on.get_feature_names_out()) == [*FEATURE_COLUMNS, *DERIVED_COLUMNS]


def test_pipeline_switch(synthetic_train):
    X = features(synthetic_train.head(5))
    assert build_pipeline("lgbm").named_steps["features"].transform(X).shape[1] == len(
        FEATURE_COLUMNS
    ) + len(DERIVED_COLUMNS)
    plain = build_pipeline("lgbm", domain_features=False).named_steps["features"]
    assert plain.transform(X).shape[1] == len(FEATURE_COLUMNS)


def test_capped_rows_keeps_positives_and_is_a_noop_below_the_cap():
    y = np.zeros(1000, dtype=int)
    y[::50] = 1
    kept = capped_rows(y, 100, seed=0)
    assert len(kept) == 100 and y[kept].sum() == y.sum()
    assert len(np.unique(kept)) == 100
    np.testing.assert_array_equal(capped_rows(y, 5000, seed=0), np.arange(1000))
    np.testing.assert_array_equal(capped_rows(y, 0, seed=0), np.arange(1000))
