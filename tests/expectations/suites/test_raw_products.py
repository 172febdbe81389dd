from __future__ import annotations

import pandas as pd
import pytest
from gx_checks import assert_only_failure

from expectations import run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


def test_clean_products_pass(products, suppliers):
    result = run_suite("raw.products", products, {"suppliers": suppliers})
    assert result.success, [o.message for o in result.outcomes if not o.success]


def test_duplicate_sku_is_critical(products):
    doubled = pd.concat([products, products.iloc[[0]]], ignore_index=True)
    result = run_suite("raw.products", doubled)
    assert_only_failure(result, "key_unique", "critical")
    assert result.outcome("key_unique").sample == ("SKU-00000", "SKU-00000")


def test_negative_price_is_critical(products):
    products.loc[2, "unit_price"] = -1.0
    products.loc[2, "unit_cost"] = -2.0  # keep price >= cost so only the sign rules fire
    result = run_suite("raw.products", products)
    assert {o.name for o in result.failures} == {
        "unit_cost_non_negative",
        "unit_price_non_negative",
    }


def test_unknown_supplier_is_a_warning(products, suppliers):
    products.loc[0, "supplier_id"] = "SUP-404"
    result = run_suite("raw.products", products, {"suppliers": suppliers})
    assert_only_failure(result, "supplier_known", "warning")


def test_dropped_column_is_critical(products):
    result = run_suite("raw.products", products.drop(columns=["unit_cost"]))
    assert not result.outcome("columns_present").success
    assert result.outcome("columns_present").sample == ("unit_cost",)
    assert "missing column(s) unit_cost" in result.outcome("columns_present").message
    assert not result.passed_critical


def test_sku_list_matches_generator():
    assert len(gx_frames.products()) == gx_frames.N_SKUS
