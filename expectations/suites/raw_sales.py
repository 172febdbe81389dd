"""raw.sales: landed daily sales, the input of every forecast.

Severities follow the split of issue 7: row-level faults (a negative quantity, an unknown
SKU) are quarantined by ingestion, so here they can only mean the quarantine was bypassed;
batch-level faults (a missing day, a category's volume jumping tenfold, future dates) are
critical because forecasting from such a batch misleads every planner. Freshness and the
discount range stay warnings: forecasts on slightly stale data are still worth having.

Row-level rules run on the landed frame; the batch-level rules (a day without any sales,
a category's volume jumping or collapsing) run on small aggregates built by
:mod:`expectations.aggregates`, with the same GX expectations and the same result type.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from expectations import aggregates
from expectations.params import SuiteParams
from expectations.suites._common import (
    BOOL_TYPES,
    CRITICAL,
    DATE_TYPES,
    NUMERIC_TYPES,
    STRING_TYPES,
    WARNING,
    SuiteDefinition,
    Target,
    add,
    add_date_window,
    add_freshness,
    add_non_negative,
    add_not_null,
    add_row_count_change,
    add_unique,
    new_suite,
)

if TYPE_CHECKING:
    from expectations.profile import TableProfile

NAME = "raw.sales"
COLUMNS = (
    ("date", DATE_TYPES),
    ("sku", STRING_TYPES),
    ("location", STRING_TYPES),
    ("quantity", NUMERIC_TYPES),
    ("unit_price", NUMERIC_TYPES),
    ("discount", NUMERIC_TYPES),
    ("promo", BOOL_TYPES),
)
"""Contract columns (``raw_schema.sql`` without lineage) and the dtypes accepted."""

CALENDAR = "raw.sales[calendar]"
VOLUME = "raw.sales[daily volume by category]"


def build_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """(date, sku, location) key, non-negative quantities, dates, load size."""
    suite = new_suite(NAME, "Landed sales: one row per SKU per location per day.")
    add_not_null(suite, ["date", "sku", "quantity"], CRITICAL)
    add_unique(suite, ["date", "sku", "location"])
    add_non_negative(suite, ["quantity", "unit_price"])
    add(
        suite,
        gxe.ExpectColumnValuesToBeBetween(column="discount", min_value=0, max_value=1),
        "discount_is_share",
        WARNING,
        "discount is a share of the price; a value above 1 is likely a percentage or amount.",
    )
    add_date_window(suite, "date", params)
    add_row_count_change(suite, params)
    add_freshness(suite, "date", params)
    return suite


def calendar_suite() -> gx.ExpectationSuite:
    """Every calendar day between the first and last sale has at least one sales row."""
    suite = new_suite(
        f"{NAME}.calendar", "Days from the first to the last sales date (closures excluded)."
    )
    add(
        suite,
        gxe.ExpectColumnValuesToBeNull(column="missing_day"),
        "no_missing_sales_day",
        CRITICAL,
        "A day with no sales rows at all in daily history is usually a lost file; the "
        "calendar-filled marts would read it as zero demand for every SKU.",
        unit="day",
        failure="between the first and last sales date have no sales rows",
    )
    return suite


def volume_suite(params: SuiteParams) -> gx.ExpectationSuite:
    """Category volume of the last day and last week within [1/k, k] of the baseline."""
    suite = new_suite(
        f"{NAME}.category_volume",
        "Units per category: last day and last 7 days vs trailing median.",
    )
    k = params.volume_k
    add(
        suite,
        gxe.ExpectColumnValuesToBeBetween(column="ratio", min_value=1 / k, max_value=k),
        "category_volume_stable",
        CRITICAL,
        f"Volume more than x{k:g} (or below 1/{k:g}) of the trailing {params.baseline_days}-day "
        "median is a unit change, a duplicated or a partial file far more often than demand.",
        unit="category window",
        failure=f"moved beyond x{k:g} (or below 1/{k:g}) of the trailing median",
    )
    return suite


def derived(frame: pd.DataFrame, params: SuiteParams) -> list[Target]:
    """The calendar and category-volume targets (none if the schema is too broken)."""
    if not aggregates.has_columns(frame, ("date", "sku", "quantity")):
        return []
    # Out-of-window dates are reported by the row-level suite; here they would stretch the
    # calendar and move "the last day" into the future.
    frame = aggregates.within_window(frame, params)
    targets = []
    if params.daily_history:
        calendar = aggregates.sales_calendar(frame, params)
        targets.append(Target(calendar_suite(), calendar, CALENDAR))
    if pd.api.types.is_numeric_dtype(frame["quantity"]):
        ratios = aggregates.volume_ratios(aggregates.daily_category_volume(frame, params), params)
        targets.append(
            Target(volume_suite(params), ratios, VOLUME, index_columns=("category", "window"))
        )
    return targets


def derived_profile(profile: TableProfile, params: SuiteParams) -> list[Target]:
    """:func:`derived` from a table profile: observed days and daily category totals.

    The calendar needs only the distinct dates (the ``date`` histogram) and the volume
    rule only units per day and category, which the warehouse sums; the suites and the
    ratios are the same as on rows.
    """
    dates = profile.histograms.get(("date",))
    if dates is None or not aggregates.has_columns(dates, ("date",)):
        return []
    dates = aggregates.within_window(dates, params)
    targets = []
    if params.daily_history:
        calendar = aggregates.sales_calendar(dates, params)
        targets.append(Target(calendar_suite(), calendar, CALENDAR))
    totals = profile.daily_totals
    if totals is not None and pd.api.types.is_numeric_dtype(totals["quantity"]):
        daily = aggregates.daily_volume_from_totals(totals, params)
        targets.append(
            Target(
                volume_suite(params),
                aggregates.volume_ratios(daily, params),
                VOLUME,
                index_columns=("category", "window"),
            )
        )
    return targets


DEFINITION = SuiteDefinition(
    name=NAME,
    asset=("raw", "sales"),
    build_suite=build_suite,
    columns=COLUMNS,
    sku_reference=CRITICAL,
    date_columns=("date",),
    derived=derived,
    derived_profile=derived_profile,
)
