from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
from gx_checks import assert_only_failure, failed

from expectations import SuiteParams, run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


@pytest.fixture
def params(products) -> SuiteParams:
    return SuiteParams(today=gx_frames.TODAY, products=products, previous_count=2100)


def test_clean_sales_pass_every_expectation(sales, params):
    result = run_suite("raw.sales", sales, params)
    assert result.success, [o.message for o in result.outcomes if not o.success]
    names = {o.name for o in result.outcomes}
    # The batch-level rules really ran (not silently skipped).
    assert {
        "row_count_change",
        "sku_known",
        "no_missing_sales_day",
        "category_volume_stable",
    } <= names


def test_negative_quantity_is_critical_with_examples(sales, params):
    sales.loc[[3, 9], "quantity"] = [-5.0, -2.0]
    result = run_suite("raw.sales", sales, params)
    assert_only_failure(result, "quantity_non_negative", "critical")
    outcome = result.outcome("quantity_non_negative")
    assert outcome.unexpected_count == 2
    assert sorted(outcome.sample) == [-5.0, -2.0]
    assert outcome.message.startswith(
        "expect_column_values_to_be_between on raw.sales.quantity: 2 rows ("
    )
    assert outcome.message.endswith("outside [0, inf), e.g. -5, -2")


def test_unknown_sku_is_critical(sales, params):
    sales.loc[5, "sku"] = "NOT-A-SKU"
    result = run_suite("raw.sales", sales, params)
    assert_only_failure(result, "sku_known", "critical")
    assert result.outcome("sku_known").sample == ("NOT-A-SKU",)


def test_sales_alone_skip_referential_integrity(sales):
    sales.loc[5, "sku"] = "NOT-A-SKU"
    for products in (None, gx_frames.products().iloc[0:0]):
        result = run_suite("raw.sales", sales, {"today": gx_frames.TODAY, "products": products})
        assert "sku_known" not in {o.name for o in result.outcomes}
        assert result.success


def test_future_date_is_critical(sales, params):
    sales.loc[11, "date"] = pd.Timestamp(gx_frames.TODAY) + pd.Timedelta(days=30)
    result = run_suite("raw.sales", sales, params)
    assert_only_failure(result, "date_not_future", "critical")
    assert result.outcome("date_not_future").sample == ("2025-07-01",)


def test_date_before_window_is_critical(sales, params):
    sales.loc[11, "date"] = pd.Timestamp("1925-05-01")
    result = run_suite("raw.sales", sales, params)
    assert_only_failure(result, "date_in_window", "critical")


@pytest.mark.parametrize("column", ["quantity", "sku", "promo"])
def test_dropped_column_is_critical(sales, params, column):
    result = run_suite("raw.sales", sales.drop(columns=[column]), params)
    schema = result.outcome("columns_present")
    assert not schema.success and schema.severity == "critical"
    assert schema.sample == (column,)
    assert not result.passed_critical
    # Every other failure is about the same missing column, never a crash.
    for outcome in result.failures:
        assert column in outcome.message, outcome.message


def test_wrong_type_is_critical(sales, params):
    sales["quantity"] = sales["quantity"].astype(str)
    result = run_suite("raw.sales", sales, params)
    assert failed(result)["quantity_type"] == "critical"


def test_duplicate_keys_are_critical(sales, params):
    doubled = pd.concat([sales, sales.iloc[[20, 21]]], ignore_index=True)
    result = run_suite("raw.sales", doubled, params)
    assert_only_failure(result, "key_unique", "critical")
    assert result.outcome("key_unique").unexpected_count == 4  # both copies of two keys


def _category_skus(category: str) -> list[str]:
    products = gx_frames.products()
    return products.loc[products["category"] == category, "sku"].tolist()


def test_tenfold_spike_in_one_category_fails(sales, params):
    last_day = sales["date"].max()
    spike = (sales["date"] == last_day) & sales["sku"].isin(_category_skus("snacks"))
    sales.loc[spike, "quantity"] *= 10
    result = run_suite("raw.sales", sales, params)
    assert_only_failure(result, "category_volume_stable", "critical")
    (flagged,) = result.outcome("category_volume_stable").sample
    assert flagged["category"] == "snacks" and flagged["window"] == "last_day"
    assert flagged["ratio"] == pytest.approx(10, rel=0.2)


def test_volume_collapse_fails(sales, params):
    last_week = sales["date"] > sales["date"].max() - pd.Timedelta(days=7)
    collapse = last_week & sales["sku"].isin(_category_skus("household"))
    sales.loc[collapse, "quantity"] = 0.0
    result = run_suite("raw.sales", sales, params)
    assert_only_failure(result, "category_volume_stable", "critical")
    windows = {row["window"] for row in result.outcome("category_volume_stable").sample}
    assert windows == {"last_day", "last_7_days"}


def test_spike_without_products_uses_one_bucket(sales):
    sales.loc[sales["date"] == sales["date"].max(), "quantity"] *= 10
    result = run_suite("raw.sales", sales, {"today": gx_frames.TODAY})
    assert_only_failure(result, "category_volume_stable", "critical")


def test_missing_day_fails_and_names_the_day(sales, params):
    gap = pd.Timestamp("2025-04-10")
    result = run_suite("raw.sales", sales[sales["date"] != gap], params)
    assert_only_failure(result, "no_missing_sales_day", "critical")
    outcome = result.outcome("no_missing_sales_day")
    assert outcome.sample == ("2025-04-10",)
    assert "1 day (" in outcome.message


def test_closed_day_is_not_a_gap(sales, products):
    gap = pd.Timestamp("2025-04-10")
    params = SuiteParams(today=gx_frames.TODAY, products=products, closed_dates=(gap.date(),))
    assert run_suite("raw.sales", sales[sales["date"] != gap], params).success


def test_weekly_history_skips_the_gap_check(sales, products):
    weekly = sales[sales["date"].dt.dayofweek == 0]
    params = SuiteParams(today=gx_frames.TODAY, products=products, daily_history=False)
    result = run_suite("raw.sales", weekly, params)
    assert "no_missing_sales_day" not in {o.name for o in result.outcomes}


@pytest.mark.parametrize("previous_count", [50_000, 200])
def test_row_count_change_is_critical(sales, products, previous_count):
    params = SuiteParams(today=gx_frames.TODAY, products=products, previous_count=previous_count)
    result = run_suite("raw.sales", sales, params)
    assert_only_failure(result, "row_count_change", "critical")
    assert result.outcome("row_count_change").sample == (len(sales),)


def test_stale_data_is_a_warning(sales, products):
    later = gx_frames.TODAY + timedelta(days=10)
    result = run_suite("raw.sales", sales, SuiteParams(today=later, products=products))
    assert_only_failure(result, "date_fresh", "warning")
    assert "2025-05-31" in result.outcome("date_fresh").message


def test_python_dates_from_postgres_are_accepted(sales, params):
    sales["date"] = sales["date"].dt.date  # what psycopg returns: object column of dates
    assert run_suite("raw.sales", sales, params).success


def test_string_dates_are_a_type_error(sales, params):
    sales["date"] = sales["date"].dt.strftime("%d/%m/%Y")
    result = run_suite("raw.sales", sales, params)
    assert failed(result)["date_type"] == "critical"
