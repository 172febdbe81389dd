from __future__ import annotations

import pandas as pd
import pytest
from gx_checks import assert_only_failure

from expectations import run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


@pytest.fixture
def fct():
    return gx_frames.fct_daily_sales()


def test_clean_mart_passes_with_exactly_the_listed_rules(fct):
    result = run_suite("marts.fct_daily_sales", fct, {"today": gx_frames.TODAY})
    assert result.success
    # dbt owns not_null and the rest of the model's tests: GX adds only these three.
    assert [o.name for o in result.outcomes] == [
        "key_unique",
        "quantity_non_negative",
        "date_not_future",
    ]


def test_duplicate_sku_day_is_critical(fct):
    doubled = pd.concat([fct, fct.iloc[[0]]], ignore_index=True)
    result = run_suite("marts.fct_daily_sales", doubled, {"today": gx_frames.TODAY})
    assert_only_failure(result, "key_unique", "critical")


def test_negative_quantity_is_critical(fct):
    fct.loc[0, "quantity"] = -1.0
    result = run_suite("marts.fct_daily_sales", fct, {"today": gx_frames.TODAY})
    assert_only_failure(result, "quantity_non_negative", "critical")


def test_future_day_is_critical(fct):
    fct.loc[0, "date"] = pd.Timestamp("2030-01-01")
    result = run_suite("marts.fct_daily_sales", fct, {"today": gx_frames.TODAY})
    assert_only_failure(result, "date_not_future", "critical")
