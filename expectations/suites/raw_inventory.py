"""raw.inventory: daily stock snapshots, the source of stockout flags."""

from __future__ import annotations

import great_expectations as gx

from expectations.params import SuiteParams
from expectations.suites._common import (
    CRITICAL,
    DATE_TYPES,
    NUMERIC_TYPES,
    STRING_TYPES,
    SuiteDefinition,
    add_date_window,
    add_freshness,
    add_non_negative,
    add_not_null,
    add_row_count_change,
    add_unique,
    new_suite,
)

NAME = "raw.inventory"
COLUMNS = (
    ("date", DATE_TYPES),
    ("sku", STRING_TYPES),
    ("on_hand", NUMERIC_TYPES),
    ("on_order", NUMERIC_TYPES),
    ("in_transit", NUMERIC_TYPES),
    ("backordered_qty", NUMERIC_TYPES),
)
"""Contract columns (``raw_schema.sql`` without lineage) and the dtypes accepted."""


def build_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """(date, sku) key, non-negative quantities, date window, load size, freshness."""
    suite = new_suite(NAME, "Landed stock snapshots: one row per SKU per day.")
    add_not_null(suite, ["date", "sku", "on_hand", "on_order"], CRITICAL)
    add_unique(suite, ["date", "sku"])
    # docs/data-contract.md: every number is non-negative (backorders have their own column).
    add_non_negative(suite, ["on_hand", "on_order", "in_transit", "backordered_qty"])
    add_date_window(suite, "date", params)
    add_row_count_change(suite, params)
    add_freshness(suite, "date", params)
    return suite


DEFINITION = SuiteDefinition(
    name=NAME,
    asset=("raw", "inventory"),
    build_suite=build_suite,
    columns=COLUMNS,
    sku_reference=CRITICAL,
    date_columns=("date",),
)
