"""marts.fct_daily_sales: what the forecasts train on.

dbt tests guard how the model is built; this suite guards only what the forecasting
assets rely on at the hand-over: one row per SKU per day, no negative demand and no days
from the future.
"""

from __future__ import annotations

import great_expectations as gx
import great_expectations.expectations as gxe

from expectations.params import SuiteParams
from expectations.suites._common import (
    CRITICAL,
    SuiteDefinition,
    add,
    add_non_negative,
    add_unique,
    as_timestamp,
    new_suite,
)

NAME = "marts.fct_daily_sales"


def build_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """(sku, date) unique, quantity >= 0, date <= today."""
    suite = new_suite(NAME, "Daily demand per SKU on a complete calendar.")
    add_unique(suite, ["sku", "date"])
    add_non_negative(suite, ["quantity"])
    add(
        suite,
        gxe.ExpectColumnValuesToBeBetween(column="date", max_value=as_timestamp(params.today)),
        "date_not_future",
        CRITICAL,
        f"A training day after today ({params.today}) leaks the future into the forecasts.",
    )
    return suite


DEFINITION = SuiteDefinition(
    name=NAME,
    asset=("marts", "fct_daily_sales"),
    build_suite=build_suite,
    date_columns=("date",),
)
