"""The warehouse's profile of a table equals the pandas profile, on DuckDB and PostgreSQL.

The checks validate tables through the profile the SQL computes
(:mod:`orchestration.defs.quality.profile`); ``expectations.profile_frame`` is the
reference. Equal profiles mean equal outcomes (``tests/expectations/test_profile.py``
shows the profile run equals the row run). The checks then still catch a duplicate key or
an out-of-range value, and keep flagging a fault that came with an old load.
"""

import numpy as np
import pandas as pd
import pytest

from expectations import SuiteParams, profile_frame, profile_request, run_profile
from orchestration.defs.quality import profile as profile_module
from orchestration.defs.quality.checks import validate
from orchestration.defs.quality.profile import profile_table
from orchestration.settings import get_settings
from orchestration.warehouse import Warehouse
from tests.expectations import gx_frames

pytestmark = pytest.mark.integration


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse(request, stockcast_home, monkeypatch) -> Warehouse:
    if request.param == "postgres":
        monkeypatch.setenv("STOCKCAST_WAREHOUSE_URL", request.getfixturevalue("postgres_url"))
    return Warehouse.from_settings(get_settings())


def _products() -> pd.DataFrame:
    products = gx_frames.products()
    products.loc[0, "category"] = None  # a product without category: its own bucket ""
    return products


def _sales() -> pd.DataFrame:
    sales = gx_frames.sales()
    sales.loc[[2, 5, 9], "quantity"] = [-3.0, -1.0, -3.0]
    sales.loc[7, "discount"] = np.nan
    sales.loc[8, "discount"] = 12.0
    sales.loc[11, "sku"] = "NOT-A-PRODUCT"
    return pd.concat([sales, sales.tail(2)], ignore_index=True)  # no primary key here


def _params(products: pd.DataFrame) -> SuiteParams:
    return SuiteParams(
        today=gx_frames.TODAY, products=products[["sku", "category"]], previous_count=2000
    )


def _ns(frame: pd.DataFrame) -> pd.DataFrame:
    """Dates at one resolution (DuckDB returns microseconds, pandas builds nanoseconds)."""
    dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    return frame.astype({c: "datetime64[ns]" for c in dates}).reset_index(drop=True)


def _assert_profiles_equal(sql, reference, request) -> None:
    assert sql.row_count == reference.row_count
    assert dict(sql.keyed_rows) == dict(reference.keyed_rows)
    for columns in request.histograms:
        pd.testing.assert_frame_equal(
            _ns(sql.histograms[columns]), _ns(reference.histograms[columns]), check_dtype=False
        )
    for key in request.unique_keys:
        pd.testing.assert_frame_equal(
            _ns(sql.duplicates[key]), _ns(reference.duplicates[key]), check_dtype=False
        )
    assert list(sql.sample.columns) == list(reference.sample.columns)


def test_sales_profile_in_sql_equals_pandas(warehouse: Warehouse) -> None:
    products, sales = _products(), _sales()
    warehouse.write_table(products, "raw", "products")
    warehouse.write_table(sales, "raw", "sales")
    params = _params(products)
    request = profile_request("raw.sales", params)
    sql = profile_table(warehouse, "raw", "sales", request)
    reference = profile_frame(sales, request, products)
    _assert_profiles_equal(sql, reference, request)
    order = ["date", "category"]
    pd.testing.assert_frame_equal(
        _ns(sql.daily_totals.sort_values(order)),
        _ns(reference.daily_totals.sort_values(order)),
        check_dtype=False,
    )
    assert set(sql.daily_totals["category"]) == {"", "(all)", *gx_frames.CATEGORIES}
    failed = {o.name for o in run_profile("raw.sales", sql, params).outcomes if not o.success}
    assert failed == {
        "key_unique",
        "quantity_non_negative",
        "discount_is_share",
        "sku_known",
    }


def test_pair_rules_and_nullable_columns_profile_alike(warehouse: Warehouse) -> None:
    orders = gx_frames.purchase_orders()
    orders.loc[1, "received_date"] = orders.loc[1, "order_date"] - pd.Timedelta(days=3)
    warehouse.write_table(orders, "raw", "purchase_orders")
    request = profile_request("raw.purchase_orders", SuiteParams(today=gx_frames.TODAY))
    sql = profile_table(warehouse, "raw", "purchase_orders", request)
    _assert_profiles_equal(sql, profile_frame(orders, request), request)
    pair = sql.histograms[("received_date", "order_date")]
    assert pair["_n"].sum() == len(orders)  # open orders (no received date) kept as nulls


def test_a_missing_column_profiles_to_a_reported_failure(warehouse: Warehouse) -> None:
    sales = gx_frames.sales().drop(columns=["discount"])
    warehouse.write_table(sales, "raw", "sales")
    params = SuiteParams(today=gx_frames.TODAY)
    sql = profile_table(warehouse, "raw", "sales", profile_request("raw.sales", params))
    result = run_profile("raw.sales", sql, params)
    assert "missing" in result.outcome("discount_is_share").message
    assert not result.passed_critical  # columns_present


def _load(warehouse: Warehouse, sales: pd.DataFrame) -> None:
    """Sales and products as the ingestion leaves them (raw schema, primary keys)."""
    warehouse.ensure_raw_schema()
    products = gx_frames.products().assign(
        _source_file="p.csv", _source_row=1, _loaded_at=gx_frames.LOADED_AT
    )
    warehouse.write_table(products, "raw", "products", mode="append")
    warehouse.write_table(sales, "raw", "sales", mode="append")


def test_check_catches_a_bad_value_in_a_large_clean_table(warehouse, stockcast_home) -> None:
    (stockcast_home / "stockcast.yaml").write_text("quality:\n  max_age_days: 400\n")
    sales = gx_frames.sales()
    sales.loc[100, "quantity"] = -7.0
    _load(warehouse, sales)
    result = validate(warehouse, get_settings(), "raw.sales", "r1")
    (failure,) = result.failures
    assert failure.name == "quantity_non_negative"
    assert failure.unexpected_count == 1 and failure.sample == (-7.0,)
    assert result.row_count == len(sales)


def test_a_fault_from_an_old_load_is_flagged_until_fixed(warehouse, stockcast_home) -> None:
    """Design: every run validates the whole table, as dbt rebuilds the marts from it."""
    (stockcast_home / "stockcast.yaml").write_text("quality:\n  max_age_days: 400\n")
    sales = gx_frames.sales()
    sales.loc[0, "quantity"] = -1.0  # first day, first load
    _load(warehouse, sales)
    later = gx_frames.sales(days=3, end=gx_frames.TODAY + pd.Timedelta(days=3))
    later = later[later["date"] <= pd.Timestamp(gx_frames.TODAY)]
    warehouse.write_table(later, "raw", "sales", mode="append")  # a clean second load
    result = validate(warehouse, get_settings(), "raw.sales", "r2")
    assert [f.name for f in result.failures] == ["quantity_non_negative"]


def test_a_primary_key_proves_its_key_unique_without_a_query(warehouse, monkeypatch) -> None:
    """Raw tables carry their natural key as primary key: no 11-million-group aggregate."""
    _load(warehouse, gx_frames.sales())
    queried = []
    monkeypatch.setattr(profile_module, "_duplicates", lambda *args: queried.append(args))
    params = SuiteParams(today=gx_frames.TODAY)
    sql = profile_table(warehouse, "raw", "sales", profile_request("raw.sales", params))
    assert queried == []
    assert sql.duplicates[("date", "sku", "location")].empty
    assert run_profile("raw.sales", sql, params).outcome("key_unique").success
