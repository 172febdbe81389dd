"""Run a named suite on a frame and flatten GX's results into :class:`SuiteResult`.

Each call builds its suites from the parameters and validates in a fresh ephemeral GX
context (a few milliseconds), so runs share no state and can go in parallel processes.

One suite name fans out into up to four GX validations, each on the smallest frame that
answers its question, because GX on pandas pays per row *and* per expectation:

- ``<table>.schema`` on the first ``SCHEMA_SAMPLE_ROWS`` rows (dtypes are the frame's);
- ``<table>`` row rules on the contract columns only (lineage columns dropped);
- ``<table>.sku_reference`` on the distinct SKUs;
- the suite's own aggregates (``raw.sales``: calendar and category volume).

All four report into one :class:`SuiteResult` and one Data Docs site.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from expectations.messages import describe_outcome
from expectations.params import SuiteParams
from expectations.results import MAX_SAMPLE, ExpectationOutcome, SuiteResult
from expectations.suites import SUITES, SuiteDefinition, Target
from expectations.suites._common import schema_suite, sku_reference_suite

SCHEMA_SAMPLE_ROWS = 10_000
"""Rows the type checks look at; object columns are checked value by value by GX."""


def ephemeral_context() -> Any:
    """A quiet in-memory GX context: no analytics, no progress bars, no files."""
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def run_suite(
    suite_name: str,
    frame: pd.DataFrame,
    context_params: SuiteParams | Mapping[str, Any] | None = None,
) -> SuiteResult:
    """Validate ``frame`` against suite ``suite_name`` and return one flat result.

    Args:
        suite_name: A key of :data:`expectations.suites.SUITES`, e.g. ``"raw.sales"``.
        frame: The landed table or model output (never modified).
        context_params: :class:`SuiteParams` or a mapping of its fields: ``today``, the
            products frame, the previous load's row count, thresholds, the run id.

    Returns:
        A :class:`SuiteResult`; ``passed_critical`` says whether downstream may proceed.

    Example:
        >>> result = run_suite("raw.sales", sales, {"today": "2025-06-01", "products": products})
        >>> result.passed_critical, [o.message for o in result.failures]
    """
    try:
        definition = SUITES[suite_name]
    except KeyError:
        raise KeyError(f"unknown suite {suite_name!r}; known: {sorted(SUITES)}") from None
    params = SuiteParams.coerce(context_params)
    checked_at = datetime.now(UTC)
    started = time.perf_counter()

    # GX binds new suites to the current context, so the context comes first.
    context = ephemeral_context()
    prepared = _parse_dates(frame, definition.date_columns)
    targets = _targets(definition, prepared, params)

    source = context.data_sources.add_pandas("frames")
    outcomes: list[ExpectationOutcome] = []
    gx_runs = []
    for number, target in enumerate(targets):
        asset = source.add_dataframe_asset(f"target_{number}")
        batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
            batch_parameters={"dataframe": target.frame}
        )
        result_format: dict[str, Any] = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": MAX_SAMPLE,
        }
        if target.index_columns:
            result_format["unexpected_index_column_names"] = list(target.index_columns)
        validation = batch.validate(target.suite, result_format=result_format)
        gx_runs.append((target.suite, validation, target.subject))
        order = {e.meta["check"]: i for i, e in enumerate(target.suite.expectations)}
        flat = [describe_outcome(r, target) for r in validation.results]
        outcomes.extend(sorted(flat, key=lambda o: order.get(o.name, len(order))))

    return SuiteResult(
        suite=definition.name,
        asset=definition.asset,
        run_id=params.run_id,
        checked_at=checked_at,
        row_count=len(frame),
        duration_seconds=time.perf_counter() - started,
        outcomes=tuple(outcomes),
        gx_runs=tuple(gx_runs),
    )


def _targets(definition: SuiteDefinition, frame: pd.DataFrame, params: SuiteParams) -> list[Target]:
    """The (suite, frame) pairs one run validates; see the module docstring."""
    name = definition.name
    targets = []
    rows = frame
    if definition.columns:
        targets.append(Target(schema_suite(definition), frame.head(SCHEMA_SAMPLE_ROWS), name))
        rows = _projection(frame, definition)
        frame = rows
    targets.append(Target(definition.build_suite(params), rows, name))
    skus = params.product_skus
    if definition.sku_reference and skus is not None and "sku" in frame.columns:
        distinct = pd.Series(frame["sku"].unique()).dropna().astype(str)
        unknown = distinct.where(~distinct.isin(skus))
        sku_frame = pd.DataFrame({"sku": distinct, "unknown_sku": unknown})
        targets.append(Target(sku_reference_suite(definition), sku_frame, f"{name}[distinct sku]"))
    if definition.derived is not None:
        targets.extend(definition.derived(frame, params))
    return targets


def _projection(frame: pd.DataFrame, definition: SuiteDefinition) -> pd.DataFrame:
    """Contract columns only, text columns as ``category``.

    GX copies and null-scans its domain columns for every expectation; lineage columns
    are dead weight there, and a categorical column null-scans and hashes in a fraction
    of the time of an object column (it costs one hashing pass to build).
    """
    columns = {}
    for column, types in definition.columns:
        if column not in frame.columns:
            continue
        values = frame[column]
        if "object" in types and "bool" not in types and values.dtype == object:
            values = values.astype("category")
        columns[column] = values
    return pd.DataFrame(columns, index=frame.index)


def _parse_dates(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """Turn columns of ``datetime.date`` objects into ``datetime64`` (a shallow copy).

    PostgreSQL drivers return dates as Python objects and DuckDB as ``datetime64``; the
    suites compare against timestamps, so both must look alike. Columns holding anything
    else (strings, numbers) are left alone for the type expectation to report.
    """
    parsed = {}
    for column in columns:
        if column not in frame.columns or frame[column].dtype != object:
            continue
        if pd.api.types.infer_dtype(frame[column], skipna=True) in ("date", "datetime", "empty"):
            parsed[column] = pd.to_datetime(frame[column])
    return frame.assign(**parsed) if parsed else frame
