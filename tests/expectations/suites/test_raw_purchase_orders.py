from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from gx_checks import assert_only_failure

from expectations import SuiteParams, run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


@pytest.fixture
def orders():
    return gx_frames.purchase_orders()


@pytest.fixture
def params(products, suppliers) -> SuiteParams:
    return SuiteParams(today=gx_frames.TODAY, products=products, suppliers=suppliers)


def test_clean_orders_pass_with_future_expected_dates(orders, params):
    assert (orders["expected_date"] > pd.Timestamp(gx_frames.TODAY)).any()
    result = run_suite("raw.purchase_orders", orders, params)
    assert result.success, [o.message for o in result.outcomes if not o.success]


def test_future_order_date_is_critical(orders, params):
    orders.loc[3, "order_date"] = pd.Timestamp("2025-12-24")
    orders.loc[3, "expected_date"] = pd.Timestamp("2026-01-24")
    orders.loc[3, "received_date"] = pd.NaT
    result = run_suite("raw.purchase_orders", orders, params)
    assert_only_failure(result, "order_date_not_future", "critical")


def test_received_before_ordered_is_a_warning(orders, params):
    orders.loc[1, "received_date"] = orders.loc[1, "order_date"] - pd.Timedelta(days=2)
    result = run_suite("raw.purchase_orders", orders, params)
    assert_only_failure(result, "received_date_after_order_date", "warning")


def test_unknown_sku_is_critical(orders, params):
    orders.loc[0, "sku"] = "GHOST"
    assert_only_failure(run_suite("raw.purchase_orders", orders, params), "sku_known", "critical")


def test_dates_as_python_objects(orders, params):
    for column in ("order_date", "expected_date", "received_date"):
        orders[column] = [None if pd.isna(v) else v.date() for v in orders[column]]
    assert isinstance(orders.loc[0, "order_date"], date)
    assert run_suite("raw.purchase_orders", orders, params).success
