"""A suite run on a table's profile reports what a run on its rows reports, row for row.

``run_profile`` validates histograms and duplicate keys instead of rows; these tests run
both paths on the same clean and broken frames and require the same outcomes: pass or
fail, rows counted, percentages, and offending values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectations import SUITES, SuiteParams, profile_frame, profile_request, run_profile, run_suite
from expectations.aggregates import daily_category_volume, daily_volume_from_totals
from expectations.profile import WEIGHT, expand_duplicates
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit

FRAMES = {
    "raw.products": gx_frames.products,
    "raw.suppliers": gx_frames.suppliers,
    "raw.sales": gx_frames.sales,
    "raw.inventory": gx_frames.inventory,
    "raw.purchase_orders": gx_frames.purchase_orders,
    "marts.fct_daily_sales": gx_frames.fct_daily_sales,
    "ml.demand_forecasts": gx_frames.demand_forecasts,
}


def _params(**extra) -> SuiteParams:
    return SuiteParams(
        today=gx_frames.TODAY,
        products=gx_frames.products()[["sku", "category"]],
        suppliers=gx_frames.suppliers(),
        run_id="r",
        **extra,
    )


def _both(name: str, frame: pd.DataFrame, params: SuiteParams):
    rows = run_suite(name, frame, params)
    profile = profile_frame(frame, profile_request(name, params), params.products)
    return rows, run_profile(name, profile, params)


def _summary(result) -> list[tuple]:
    return [
        (o.name, o.success, o.unexpected_count, o.unexpected_percent, sorted(map(str, o.sample)))
        for o in result.outcomes
    ]


def _assert_same(rows, reduced) -> None:
    # Samples are the offending values; the profile lists each distinct value once.
    dedup = [(*o[:4], sorted(set(o[4]))) for o in _summary(rows)]
    assert dedup == [(*o[:4], sorted(set(o[4]))) for o in _summary(reduced)]
    assert reduced.row_count == rows.row_count


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_clean_tables_pass_alike(name: str) -> None:
    frame = FRAMES[name]()
    rows, reduced = _both(name, frame, _params(previous_count=len(frame)))
    assert reduced.success
    _assert_same(rows, reduced)


def _broken_sales() -> pd.DataFrame:
    sales = gx_frames.sales()
    sales.loc[[2, 5, 9], "quantity"] = [-3.0, -1.0, -3.0]
    sales.loc[7, "quantity"] = np.nan
    sales.loc[8, "discount"] = 12.0
    sales.loc[11, "sku"] = "NOT-A-PRODUCT"
    sales.loc[12, "date"] = pd.Timestamp(gx_frames.TODAY) + pd.Timedelta(days=3)
    return pd.concat([sales, sales.tail(2)], ignore_index=True)  # two duplicate keys


def _broken_purchase_orders() -> pd.DataFrame:
    orders = gx_frames.purchase_orders()
    orders.loc[1, "received_date"] = orders.loc[1, "order_date"] - pd.Timedelta(days=3)
    orders.loc[2, "supplier_id"] = "SUP-X"
    orders.loc[3, "quantity"] = -60.0
    return orders


def _broken_mart() -> pd.DataFrame:
    mart = gx_frames.fct_daily_sales()
    mart = pd.concat([mart, mart.head(3), mart.head(1)], ignore_index=True)  # 3 keys, 7 rows
    mart.loc[4, "date"] = pd.Timestamp("2030-01-01")
    return mart


def _broken_forecasts() -> pd.DataFrame:
    forecasts = gx_frames.demand_forecasts()
    forecasts.loc[[0, 1], "p90"] = forecasts.loc[[0, 1], "p50"] - 1  # crossing quantiles
    forecasts.loc[5, "p10"] = np.nan
    return forecasts


@pytest.mark.parametrize(
    ("name", "make", "failing"),
    [
        (
            "raw.sales",
            _broken_sales,
            {
                "quantity_not_null",
                "key_unique",
                "quantity_non_negative",
                "discount_is_share",
                "date_not_future",
                "sku_known",
                "row_count_change",
            },
        ),
        (
            "raw.purchase_orders",
            _broken_purchase_orders,
            {"quantity_non_negative", "received_date_after_order_date", "supplier_known"},
        ),
        ("marts.fct_daily_sales", _broken_mart, {"key_unique", "date_not_future"}),
        ("ml.demand_forecasts", _broken_forecasts, {"p10_not_null", "p50_le_p90", "p10_le_p50"}),
    ],
)
def test_broken_tables_fail_alike(name, make, failing) -> None:
    rows, reduced = _both(name, make(), _params(previous_count=20))
    assert {o.name for o in reduced.outcomes if not o.success} == failing
    _assert_same(rows, reduced)


def test_counts_are_table_rows_not_distinct_values() -> None:
    _, reduced = _both("raw.sales", _broken_sales(), _params())
    negative = reduced.outcome("quantity_non_negative")
    assert negative.unexpected_count == 3  # -3 twice and -1 once: two distinct values
    assert sorted(negative.sample) == [-3.0, -1.0]
    duplicates = reduced.outcome("key_unique")
    assert duplicates.unexpected_count == 4  # two keys, each held by two rows
    assert "rows" in negative.message and "3 rows" in negative.message


def test_a_key_held_by_many_rows_counts_every_row() -> None:
    mart = gx_frames.fct_daily_sales()
    mart = pd.concat([mart, *[mart.head(1)] * 4], ignore_index=True)  # one key, five rows
    rows, reduced = _both("marts.fct_daily_sales", mart, _params())
    assert reduced.outcome("key_unique").unexpected_count == 5
    _assert_same(rows, reduced)


def test_duplicates_expand_to_two_rows_whose_weights_sum_to_the_count() -> None:
    duplicates = pd.DataFrame({"sku": ["A", "B"], WEIGHT: [2, 5]})
    frame, weights = expand_duplicates(duplicates)
    assert frame["sku"].tolist() == ["A", "B", "A", "B"]
    assert weights.tolist() == [1, 1, 1, 4]


def test_a_missing_column_is_reported_not_raised() -> None:
    sales = gx_frames.sales().drop(columns=["discount"])
    rows, reduced = _both("raw.sales", sales, _params())
    outcome = reduced.outcome("discount_is_share")
    assert not outcome.success and "missing" in outcome.message
    assert not reduced.outcome("columns_present").success
    _assert_same(rows, reduced)


def test_the_request_covers_every_column_rule_of_the_suite() -> None:
    request = profile_request("raw.sales", _params(previous_count=10))
    assert ("quantity",) in request.histograms and ("discount",) in request.histograms
    assert request.unique_keys == (("date", "sku", "location"),)
    assert request.category_volume
    orders = profile_request("raw.purchase_orders", _params())
    assert ("received_date", "order_date") in orders.histograms
    assert set(SUITES) >= {"raw.sales", "raw.purchase_orders"}


def test_volume_from_daily_totals_equals_volume_from_rows(sales, products) -> None:
    params = SuiteParams(today=gx_frames.TODAY, products=products)
    sales = sales[sales["date"] != pd.Timestamp("2025-04-10")]  # a gap filled with zeros
    request = profile_request("raw.sales", params)
    totals = profile_frame(sales, request, products).daily_totals
    from_rows = daily_category_volume(sales, params)
    from_totals = daily_volume_from_totals(totals, params)
    assert [str(c) for c in from_rows.columns] == [str(c) for c in from_totals.columns]
    assert from_rows.index.equals(from_totals.index)
    np.testing.assert_allclose(from_rows.to_numpy(float), from_totals.to_numpy(float))
    assert (from_totals.loc[pd.Timestamp("2025-04-10")] == 0).all()


@pytest.mark.parametrize("name", ["raw.sales", "raw.purchase_orders", "marts.fct_daily_sales"])
def test_an_empty_table_does_not_block(name: str) -> None:
    empty = FRAMES[name]().iloc[0:0]
    rows, reduced = _both(name, empty, _params())
    assert reduced.passed_critical and reduced.row_count == 0
    _assert_same(rows, reduced)
