"""raw.products: the product master every fact table is checked against."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from expectations.params import SuiteParams
from expectations.suites._common import (
    CRITICAL,
    NUMERIC_TYPES,
    STRING_TYPES,
    WARNING,
    SuiteDefinition,
    add,
    add_non_negative,
    add_not_null,
    add_supplier_known,
    add_unique,
    new_suite,
)

NAME = "raw.products"
COLUMNS = (
    ("sku", STRING_TYPES),
    ("name", STRING_TYPES),
    ("category", STRING_TYPES),
    ("supplier_id", STRING_TYPES),
    ("unit_cost", NUMERIC_TYPES),
    ("unit_price", NUMERIC_TYPES),
    ("pack_size", NUMERIC_TYPES),
    ("shelf_life_days", NUMERIC_TYPES),
)
"""Contract columns (``raw_schema.sql`` without lineage) and the dtypes accepted."""


def build_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """Unique SKU, non-negative prices and plausible pack sizes."""
    suite = new_suite(NAME, "Landed product master: one row per SKU.")
    add_not_null(suite, ["sku"], CRITICAL)
    add_unique(suite, ["sku"])
    add_non_negative(suite, ["unit_cost", "unit_price"])
    add(
        suite,
        gxe.ExpectColumnValuesToBeBetween(column="pack_size", min_value=0, strict_min=True),
        "pack_size_positive",
        CRITICAL,
        "Order quantities are rounded up to whole packs; a zero pack size divides by zero.",
    )
    add_non_negative(suite, ["shelf_life_days"], WARNING)
    add_not_null(suite, ["category"], WARNING)
    add(
        suite,
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="unit_price",
            column_B="unit_cost",
            or_equal=True,
            ignore_row_if="either_value_is_missing",
        ),
        "price_covers_cost",
        WARNING,
        "Selling below cost is possible (clearance) but usually a swapped column.",
    )
    add_supplier_known(suite, params)
    return suite


DEFINITION = SuiteDefinition(
    name=NAME, asset=("raw", "products"), build_suite=build_suite, columns=COLUMNS
)
