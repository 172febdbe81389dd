"""raw.purchase_orders: order lines, the source of observed lead times."""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from expectations.params import SuiteParams
from expectations.suites._common import (
    CRITICAL,
    DATE_TYPES,
    NUMERIC_TYPES,
    STRING_TYPES,
    WARNING,
    SuiteDefinition,
    add,
    add_date_window,
    add_non_negative,
    add_not_null,
    add_row_count_change,
    add_supplier_known,
    add_unique,
    new_suite,
)

NAME = "raw.purchase_orders"
COLUMNS = (
    ("po_id", STRING_TYPES),
    ("sku", STRING_TYPES),
    ("supplier_id", STRING_TYPES),
    ("order_date", DATE_TYPES),
    ("quantity", NUMERIC_TYPES),
    ("expected_date", DATE_TYPES),
    ("received_date", DATE_TYPES),
    ("received_quantity", NUMERIC_TYPES),
)
"""Contract columns (``raw_schema.sql`` without lineage) and the dtypes accepted."""


def build_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """(po_id, sku) key, non-negative quantities, date window and order, suppliers."""
    suite = new_suite(NAME, "Landed purchase-order lines: one row per PO per SKU.")
    add_not_null(suite, ["po_id", "sku", "order_date", "quantity"], CRITICAL)
    add_unique(suite, ["po_id", "sku"])
    add_non_negative(suite, ["quantity", "received_quantity"])
    add_date_window(suite, "order_date", params)
    add_date_window(suite, "received_date", params)
    # Expected dates of open orders lie in the future by design.
    add_date_window(suite, "expected_date", params, allow_future=True)
    for later in ("expected_date", "received_date"):
        add(
            suite,
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=later,
                column_B="order_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
            f"{later}_after_order_date",
            WARNING,
            f"{later} before order_date gives a negative lead time.",
        )
    add_supplier_known(suite, params)
    add_row_count_change(suite, params)
    return suite


DEFINITION = SuiteDefinition(
    name=NAME,
    asset=("raw", "purchase_orders"),
    build_suite=build_suite,
    columns=COLUMNS,
    sku_reference=CRITICAL,
    date_columns=("order_date", "expected_date", "received_date"),
)
