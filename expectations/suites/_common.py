"""Building blocks shared by the suite modules: severities, typed-column groups, targets.

Every expectation carries a short ``meta["check"]`` name (unique within its suite, stable
across runs, so results can be trended) and a GX ``severity``: ``critical`` blocks
downstream assets, ``warning`` is only shown. ``notes`` say why the rule exists; GX renders
them in Data Docs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

import great_expectations as gx
import great_expectations.expectations as gxe
import numpy as np
import pandas as pd

from expectations.params import SuiteParams

if TYPE_CHECKING:
    from expectations.profile import TableProfile

CRITICAL = "critical"
WARNING = "warning"

NUMERIC_TYPES = ["float64", "float32", "int64", "int32", "Float64", "Int64", "Int32"]
STRING_TYPES = ["object", "string", "str", "category"]
DATE_TYPES = ["datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]"]
BOOL_TYPES = ["bool", "boolean", "object"]


@dataclass(frozen=True, eq=False)
class Target:
    """One frame validated against one GX suite: the landed rows or a derived aggregate.

    Attributes:
        suite: The GX suite to run.
        frame: The frame it runs on.
        subject: How messages name the frame, e.g. ``raw.sales`` or
            ``raw.sales[daily volume by category]``.
        index_columns: Columns GX reports next to each unexpected value (aggregates only).
        weights: For a reduced frame (distinct values of a table, see
            :mod:`expectations.profile`): how many table rows each frame row stands for.
            GX's counts of frame rows are turned into counts of table rows with them.
        element_count: Table rows the frame stands for, when not ``weights.sum()``
            (duplicate keys stand for a whole table).
        missing_extra: Table rows outside the frame that GX would count as missing
            (rows whose key is all null, for a duplicate-key frame).
    """

    suite: gx.ExpectationSuite
    frame: pd.DataFrame
    subject: str
    index_columns: tuple[str, ...] = ()
    weights: np.ndarray | None = None
    element_count: int | None = None
    missing_extra: int = 0


@dataclass(frozen=True)
class SuiteDefinition:
    """A named suite: the asset it guards, its column contract and its rules.

    The runner turns one definition into up to four GX validations, each on the cheapest
    frame that answers it (see :mod:`expectations.runner`): the schema on a sample, row rules
    on the contract columns, SKU references on the distinct SKUs, batch rules on aggregates.

    Attributes:
        name: Suite name, also the asset's dotted table name (``raw.sales``).
        asset: Dagster asset key path (``("raw", "sales")``).
        build_suite: ``params -> ExpectationSuite`` with the row-level rules.
        columns: The column contract ``(name, accepted dtypes)``; empty for model tables
            whose schema dbt or the model code owns (no schema check, no projection).
        date_columns: Columns parsed to ``datetime64`` before validation when they hold
            ``datetime.date`` objects (as PostgreSQL drivers return them).
        sku_reference: Severity of "every ``sku`` is in the products frame", or None.
        derived: Optional ``(frame, params) -> [Target]`` for aggregate-level suites.
        derived_profile: The same aggregate targets built from a
            :class:`~expectations.profile.TableProfile` instead of the rows.
    """

    name: str
    asset: tuple[str, ...]
    build_suite: Callable[[SuiteParams], gx.ExpectationSuite]
    columns: tuple[tuple[str, list[str]], ...] = ()
    date_columns: tuple[str, ...] = ()
    sku_reference: str | None = None
    derived: Callable[[pd.DataFrame, SuiteParams], list[Target]] | None = field(default=None)
    derived_profile: Callable[[TableProfile, SuiteParams], list[Target]] | None = field(
        default=None
    )


def new_suite(name: str, description: str) -> gx.ExpectationSuite:
    """An empty suite whose meta says what it guards (shown in Data Docs)."""
    return gx.ExpectationSuite(name=name, meta={"notes": description})


def add(
    suite: gx.ExpectationSuite,
    expectation: gxe.Expectation,
    check: str,
    severity: str,
    why: str,
    **wording: str,
) -> None:
    """Add ``expectation`` tagged with its check name, severity and reason.

    ``wording`` may hold ``unit`` (what a counted row is, e.g. ``day``) and ``failure``
    (the phrase after the count, e.g. ``have no sales rows``) for clearer messages.
    """
    expectation.severity = severity
    expectation.meta = {"check": check, "severity": severity, **wording}
    expectation.notes = why
    suite.add_expectation(expectation)


def as_timestamp(day: date) -> datetime:
    """A date as a naive midnight datetime, comparable with ``datetime64`` columns."""
    return datetime.combine(day, time())


def schema_suite(definition: SuiteDefinition) -> gx.ExpectationSuite:
    """Columns present (one critical expectation) and each column's type (critical each).

    Runs on a sample of rows: dtypes are the frame's, and GX checks object columns value
    by value, which on millions of rows costs seconds and tells nothing more.
    """
    name, columns = definition.name, [c for c, _ in definition.columns]
    suite = new_suite(f"{name}.schema", f"Column contract of {name}.")
    add(
        suite,
        gxe.ExpectTableColumnsToMatchSet(column_set=columns, exact_match=False),
        "columns_present",
        CRITICAL,
        f"Every column of the {name} contract must be present; downstream SQL selects them.",
    )
    for column, types in definition.columns:
        add(
            suite,
            gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=types),
            f"{column}_type",
            CRITICAL,
            f"{column} must load as one of {types}; a wrong type means a broken file mapping.",
        )
    return suite


def sku_reference_suite(definition: SuiteDefinition) -> gx.ExpectationSuite:
    """Every distinct SKU of the frame is in the products frame.

    Validated on the distinct SKUs (``unknown_sku`` holds the SKU when it is not a known
    product, else null) rather than with ``value_set`` on the rows: GX copies a suite's
    ``value_set`` many times per run, which with 10,000 products costs ~10 s whatever the
    row count, and the distinct SKUs are the interesting unit anyway.
    """
    suite = new_suite(f"{definition.name}.sku_reference", "Distinct SKUs vs raw.products.")
    add(
        suite,
        gxe.ExpectColumnValuesToBeNull(column="unknown_sku"),
        "sku_known",
        definition.sku_reference or CRITICAL,
        "Facts about a SKU missing from raw.products have no category, cost or supplier, "
        "so they cannot be forecast or reordered.",
        unit="SKU",
        failure="not in raw.products",
    )
    return suite


def add_not_null(suite: gx.ExpectationSuite, columns: Iterable[str], severity: str) -> None:
    """One not-null expectation per key column."""
    for column in columns:
        add(
            suite,
            gxe.ExpectColumnValuesToNotBeNull(column=column),
            f"{column}_not_null",
            severity,
            f"{column} is part of the key or required by every downstream model.",
        )


def add_unique(suite: gx.ExpectationSuite, columns: Sequence[str]) -> None:
    """The primary key is unique (critical): duplicates double-count demand."""
    if len(columns) == 1:
        expectation: gxe.Expectation = gxe.ExpectColumnValuesToBeUnique(column=columns[0])
    else:
        expectation = gxe.ExpectCompoundColumnsToBeUnique(column_list=list(columns))
    add(
        suite,
        expectation,
        "key_unique",
        CRITICAL,
        f"({', '.join(columns)}) is the primary key; a duplicate counts the same fact twice.",
    )


def add_non_negative(
    suite: gx.ExpectationSuite, columns: Iterable[str], severity: str = CRITICAL
) -> None:
    """Quantities and money amounts are never negative."""
    for column in columns:
        add(
            suite,
            gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0),
            f"{column}_non_negative",
            severity,
            f"A negative {column} is a data-entry or sign error (returns are not sales).",
        )


def add_date_window(
    suite: gx.ExpectationSuite,
    column: str,
    params: SuiteParams,
    *,
    allow_future: bool = False,
) -> None:
    """Dates inside the expected window: not before ``earliest_date``, not after ``today``."""
    add(
        suite,
        gxe.ExpectColumnValuesToBeBetween(
            column=column, min_value=as_timestamp(params.earliest_date)
        ),
        f"{column}_in_window",
        CRITICAL,
        f"{column} before {params.earliest_date} is outside the expected history window "
        "(usually a two-digit year or an epoch default).",
    )
    if not allow_future:
        add(
            suite,
            gxe.ExpectColumnValuesToBeBetween(column=column, max_value=as_timestamp(params.today)),
            f"{column}_not_future",
            CRITICAL,
            f"{column} after today ({params.today}) cannot have happened yet: a swapped "
            "day/month or a wrong year.",
        )


def add_supplier_known(
    suite: gx.ExpectationSuite, params: SuiteParams, severity: str = WARNING
) -> None:
    """Every supplier id exists in the suppliers frame (skipped when suppliers are unknown)."""
    ids = params.supplier_ids
    if ids is None:
        return
    add(
        suite,
        gxe.ExpectColumnValuesToBeInSet(column="supplier_id", value_set=sorted(ids)),
        "supplier_known",
        severity,
        "An unknown supplier falls back to default lead times; worth a look, not a stop.",
    )


def add_row_count_change(suite: gx.ExpectationSuite, params: SuiteParams) -> None:
    """Row count within ``[previous / max_ratio, previous * max_ratio]`` (critical)."""
    previous = params.previous_count
    if not previous:
        return
    add(
        suite,
        gxe.ExpectTableRowCountToBeBetween(
            min_value=int(previous / params.max_ratio),
            max_value=int(previous * params.max_ratio) + 1,
        ),
        "row_count_change",
        CRITICAL,
        f"The previous load had {previous} rows; a change beyond x{params.max_ratio:g} either "
        "way is a truncated or duplicated load, not a business change.",
    )


def add_freshness(
    suite: gx.ExpectationSuite, column: str, params: SuiteParams, severity: str = WARNING
) -> None:
    """The latest date is at most ``max_age_days`` before ``today``."""
    oldest_allowed = params.today.toordinal() - params.max_age_days
    add(
        suite,
        gxe.ExpectColumnMaxToBeBetween(
            column=column, min_value=as_timestamp(date.fromordinal(oldest_allowed))
        ),
        f"{column}_fresh",
        severity,
        f"The latest {column} must be within {params.max_age_days} days of {params.today}; "
        "older means the feed stopped. Forecasts still run, on stale data.",
    )
