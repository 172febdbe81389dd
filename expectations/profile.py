"""A table reduced to what its suite's expectations need: the cheap path for big tables.

GX on pandas pays per row and per expectation (~16 µs a row for the raw.sales suite), so
validating 11 million rows of sales at 10,000 SKUs takes minutes and gigabytes. Yet every
row rule of the suites is a function of a few columns of one row, and the rules that look
across rows are about keys (uniqueness) or the table (row count, max date). So a table
can be reduced, without losing any row, to a :class:`TableProfile`:

- one **histogram** per group of columns a rule reads: the distinct value tuples with the
  number of rows holding each (column ``_n``); ``quantity >= 0`` holds on every row exactly
  when it holds on every distinct quantity, and the rows breaking it are the weights of
  the distinct values that break it;
- for each key the suite says is unique, the **duplicated keys** with their row counts;
- the total **row count**, and a **sample** of whole rows for the column contract (names
  and dtypes are the table's, whatever the rows);
- for raw sales, the **daily units per category** (the batch-volume rule's input).

The warehouse computes these with ``group by`` in SQL
(:mod:`orchestration.defs.quality.profile`); :func:`profile_frame` computes the same from a
frame and is the reference the SQL is tested against. :func:`expectations.run_profile`
then validates the same GX expectations on these small frames and turns GX's counts of
distinct values back into counts of rows, so results, messages and Data Docs read as if
GX had seen every row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from expectations.aggregates import ALL_CATEGORIES
from expectations.params import SuiteParams
from expectations.suites import SUITES

WEIGHT = "_n"
"""Column of a histogram or duplicate-key frame holding how many rows share the tuple."""

SAMPLE_ROWS = 10_000
"""Rows fetched for the schema checks (dtypes are the table's; values are GX's business)."""

UNIQUE_TYPES = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
TABLE_TYPES = frozenset({"expect_table_row_count_to_be_between"})


def expectation_columns(kwargs: Mapping[str, Any]) -> tuple[str, ...]:
    """The columns an expectation reads, in a stable order (its histogram's columns)."""
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return tuple(cols + list(kwargs.get("column_list") or []))


@dataclass(frozen=True)
class ProfileRequest:
    """What to compute for one suite run: which histograms, which keys, which aggregates.

    Attributes:
        histograms: Column tuples whose distinct values (with row counts) the rules read.
        unique_keys: Column tuples that must be unique (duplicates are fetched).
        sample_columns: Contract columns fetched for the schema sample (all when empty).
        category_volume: Whether daily units per product category are needed.
        window: ``(earliest_date, today)``: the days the volume aggregate covers.
    """

    histograms: tuple[tuple[str, ...], ...]
    unique_keys: tuple[tuple[str, ...], ...]
    sample_columns: tuple[str, ...] = ()
    category_volume: bool = False
    window: tuple[date, date] | None = None


@dataclass(frozen=True, eq=False)  # holds frames: identity, not value, equality
class TableProfile:
    """A table reduced for its suite (see the module docstring).

    Attributes:
        row_count: Rows in the table.
        columns: Columns the table has (a missing contract column is reported, not fatal).
        sample: Up to ``SAMPLE_ROWS`` whole rows, for the column contract and dtypes.
        histograms: Column tuple -> its distinct value tuples plus ``_n``, nulls included.
        duplicates: Key tuple -> keys held by more than one row, plus ``_n``; keys whose
            columns are all null are left out, as GX leaves them out.
        keyed_rows: Key tuple -> rows whose key columns are not all null.
        daily_totals: ``date, category, quantity``: units per day and product category in
            the request's window (unknown SKUs under ``(all)``), or None.
    """

    row_count: int
    columns: tuple[str, ...]
    sample: pd.DataFrame
    histograms: Mapping[tuple[str, ...], pd.DataFrame]
    duplicates: Mapping[tuple[str, ...], pd.DataFrame] = field(default_factory=dict)
    keyed_rows: Mapping[tuple[str, ...], int] = field(default_factory=dict)
    daily_totals: pd.DataFrame | None = None

    @property
    def distinct_rows(self) -> int:
        """Rows in all histograms together: what GX actually looks at."""
        return sum(len(h) for h in self.histograms.values())


def profile_request(suite_name: str, params: SuiteParams | None = None) -> ProfileRequest:
    """What the suite ``suite_name`` reads, derived from the expectations it builds.

    Derived rather than declared so a rule added to a suite can never be skipped by the
    reduction: every column-level expectation gets the histogram of its columns.
    """
    from expectations.runner import ephemeral_context  # the runner imports this module

    definition = SUITES[suite_name]
    params = SuiteParams.coerce(params)
    ephemeral_context()  # GX binds a suite to the current context as it is built
    histograms: list[tuple[str, ...]] = []
    keys: list[tuple[str, ...]] = []
    for expectation in definition.build_suite(params).expectations:
        config = expectation.configuration
        columns = expectation_columns(config.kwargs)
        if config.type in UNIQUE_TYPES:
            keys.append(columns)
        elif columns and columns not in histograms:
            histograms.append(columns)
    if definition.sku_reference and ("sku",) not in histograms:
        histograms.append(("sku",))
    volume = definition.derived_profile is not None
    if volume and ("date",) not in histograms:
        histograms.append(("date",))
    return ProfileRequest(
        histograms=tuple(histograms),
        unique_keys=tuple(keys),
        sample_columns=tuple(c for c, _ in definition.columns),
        category_volume=volume,
        window=(params.earliest_date, params.today),
    )


def profile_frame(
    frame: pd.DataFrame, request: ProfileRequest, products: pd.DataFrame | None = None
) -> TableProfile:
    """The profile of a frame, computed in pandas: the reference for the SQL version."""
    present = tuple(frame.columns)
    histograms = {}
    for columns in request.histograms:
        cols = [c for c in columns if c in present]
        histograms[columns] = _value_counts(frame, cols)
    duplicates, keyed = {}, {}
    for key in request.unique_keys:
        cols = [c for c in key if c in present]
        if len(cols) < len(key):
            continue
        rows = frame[cols][~frame[cols].isna().all(axis=1)]
        counts = _value_counts(rows, cols)
        duplicates[key] = counts[counts[WEIGHT] > 1].reset_index(drop=True)
        keyed[key] = len(rows)
    sample_cols = [c for c in request.sample_columns if c in present] or list(present)
    totals = None
    if request.category_volume and {"date", "sku", "quantity"} <= set(present):
        totals = _daily_totals(frame, request, products)
    return TableProfile(
        row_count=len(frame),
        columns=present,
        sample=frame[sample_cols].head(SAMPLE_ROWS),
        histograms=histograms,
        duplicates=duplicates,
        keyed_rows=keyed,
        daily_totals=totals,
    )


def _value_counts(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    if not columns:
        return pd.DataFrame({WEIGHT: pd.Series([len(frame)], dtype="int64")})
    counts = frame.groupby(columns, dropna=False, observed=True).size()
    return counts.rename(WEIGHT).reset_index()


def _daily_totals(
    frame: pd.DataFrame, request: ProfileRequest, products: pd.DataFrame | None
) -> pd.DataFrame:
    """Units per day and category, as the SQL computes them (``(all)`` for unknown SKUs)."""
    sales = frame[["date", "sku", "quantity"]]
    if request.window is not None:
        low, high = (pd.Timestamp(d) for d in request.window)
        sales = sales[(sales["date"] >= low) & (sales["date"] <= high)]
    category = pd.Series(ALL_CATEGORIES, index=sales.index, dtype=object)
    if products is not None and not products.empty and {"sku", "category"} <= set(products):
        lookup = products.drop_duplicates("sku").set_index("sku")["category"].fillna("")
        known = sales["sku"].isin(lookup.index)
        category[known] = sales.loc[known, "sku"].map(lookup)
    grouped = sales.assign(category=category).groupby(["date", "category"], dropna=False)
    return grouped["quantity"].sum(min_count=1).reset_index()


def expand_duplicates(duplicates: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Two rows per duplicated key (so GX sees the duplicate) and weights summing to ``_n``.

    Returns:
        The key frame GX validates and, per row, how many table rows it stands for.
    """
    keys = duplicates.drop(columns=WEIGHT)
    doubled = pd.concat([keys, keys], ignore_index=True)
    n = duplicates[WEIGHT].to_numpy(dtype="int64")
    weights = np.concatenate([np.ones(len(n), dtype="int64"), n - 1])
    return doubled, weights
