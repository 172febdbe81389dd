"""ml.demand_forecasts: model output read by the reorder policy and the dashboard.

Quantiles must be ordered and non-negative, or safety stocks built from them go wrong
silently; one forecast per SKU and target day per forecast date.
"""

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
    add_non_negative,
    add_not_null,
    add_unique,
    new_suite,
)

NAME = "ml.demand_forecasts"
QUANTILES = ("p10", "p50", "p90", "p95", "p99")
COLUMNS = (
    ("forecast_date", DATE_TYPES),
    ("sku", STRING_TYPES),
    ("target_date", DATE_TYPES),
    *[(q, NUMERIC_TYPES) for q in QUANTILES],
    ("mean", NUMERIC_TYPES),
)
"""Columns the policy and dashboard read, and the dtypes accepted (extra columns allowed)."""


def build_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """Unique (forecast_date, sku, target_date), ordered non-negative quantiles.

    Also a non-negative expected demand (``mean``, read by the policy's stockout projection).
    """
    suite = new_suite(NAME, "Quantile forecasts: one row per forecast date, SKU and target day.")
    add_not_null(suite, ["forecast_date", "sku", "target_date", *QUANTILES], CRITICAL)
    add_unique(suite, ["forecast_date", "sku", "target_date"])
    add_non_negative(suite, (*QUANTILES, "mean"))
    for lower, upper in zip(QUANTILES, QUANTILES[1:], strict=False):
        add(
            suite,
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=upper, column_B=lower, or_equal=True
            ),
            f"{lower}_le_{upper}",
            CRITICAL,
            f"Quantiles must not cross ({lower} <= {upper}); the policy reads service levels "
            "off them.",
        )
    add(
        suite,
        gxe.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A="target_date", column_B="forecast_date", or_equal=False
        ),
        "target_after_forecast_date",
        WARNING,
        "A forecast for a day on or before its forecast date is a backtest row in the wrong table.",
    )
    return suite


DEFINITION = SuiteDefinition(
    name=NAME,
    asset=("ml", "demand_forecasts"),
    build_suite=build_suite,
    columns=COLUMNS,
    date_columns=("forecast_date", "target_date"),
)
