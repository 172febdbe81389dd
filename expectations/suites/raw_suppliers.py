"""raw.suppliers: lead times and order costs that drive every reorder point."""

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
    add_unique,
    new_suite,
)

NAME = "raw.suppliers"
COLUMNS = (
    ("supplier_id", STRING_TYPES),
    ("name", STRING_TYPES),
    ("lead_time_days", NUMERIC_TYPES),
    ("min_order_qty", NUMERIC_TYPES),
    ("lead_time_std_days", NUMERIC_TYPES),
    ("order_cost", NUMERIC_TYPES),
)
"""Contract columns (``raw_schema.sql`` without lineage) and the dtypes accepted."""


def build_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """Unique supplier id, non-negative and plausible lead times and costs."""
    suite = new_suite(NAME, "Landed supplier master: one row per supplier.")
    add_not_null(suite, ["supplier_id"], CRITICAL)
    add_unique(suite, ["supplier_id"])
    add_non_negative(suite, ["lead_time_days", "min_order_qty", "lead_time_std_days", "order_cost"])
    add(
        suite,
        gxe.ExpectColumnValuesToBeBetween(
            column="lead_time_days", max_value=params.max_lead_time_days
        ),
        "lead_time_days_plausible",
        WARNING,
        f"A lead time over {params.max_lead_time_days:g} days is more likely hours or a "
        "typo than a real supplier.",
    )
    return suite


DEFINITION = SuiteDefinition(
    name=NAME, asset=("raw", "suppliers"), build_suite=build_suite, columns=COLUMNS
)
