from __future__ import annotations

import pandas as pd
import pytest
from gx_checks import assert_only_failure

from expectations import SuiteParams, run_suite
from tests.expectations import gx_frames

pytestmark = pytest.mark.unit


@pytest.fixture
def inventory():
    return gx_frames.inventory()


@pytest.fixture
def params(products) -> SuiteParams:
    return SuiteParams(today=gx_frames.TODAY, products=products)


def test_clean_inventory_passes(inventory, params):
    assert run_suite("raw.inventory", inventory, params).success


def test_unknown_sku_is_critical(inventory, params):
    inventory.loc[0, "sku"] = "GHOST"
    result = run_suite("raw.inventory", inventory, params)
    assert_only_failure(result, "sku_known", "critical")
    outcome = result.outcome("sku_known")
    assert outcome.sample == ("GHOST",)
    assert outcome.message.startswith(
        "expect_column_values_to_be_null on raw.inventory[distinct sku].unknown_sku: 1 SKU ("
    )
    assert "not in raw.products, e.g. GHOST" in outcome.message


@pytest.mark.parametrize("column", ["on_hand", "on_order"])
def test_negative_stock_is_critical(inventory, params, column):
    inventory.loc[0, column] = -4.0
    result = run_suite("raw.inventory", inventory, params)
    assert_only_failure(result, f"{column}_non_negative", "critical")


def test_duplicate_snapshot_is_critical(inventory, params):
    doubled = pd.concat([inventory, inventory.iloc[[5]]], ignore_index=True)
    assert_only_failure(run_suite("raw.inventory", doubled, params), "key_unique", "critical")


def test_row_count_collapse_is_critical(inventory, products):
    params = SuiteParams(
        today=gx_frames.TODAY, products=products, previous_count=10 * len(inventory)
    )
    assert_only_failure(
        run_suite("raw.inventory", inventory, params), "row_count_change", "critical"
    )
