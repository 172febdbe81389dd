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
import numpy as np
import pandas as pd
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from expectations.messages import describe_outcome
from expectations.params import SuiteParams
from expectations.profile import (
    TABLE_TYPES,
    UNIQUE_TYPES,
    WEIGHT,
    TableProfile,
    expand_duplicates,
    expectation_columns,
)
from expectations.results import MAX_SAMPLE, ExpectationOutcome, SuiteResult
from expectations.suites import SUITES, SuiteDefinition, Target
from expectations.suites._common import new_suite, schema_suite, sku_reference_suite

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

    outcomes, gx_runs = _validate(context, targets)

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


def run_profile(
    suite_name: str,
    profile: TableProfile,
    context_params: SuiteParams | Mapping[str, Any] | None = None,
) -> SuiteResult:
    """Validate a table through its :class:`~expectations.profile.TableProfile`.

    The same expectations as :func:`run_suite`, each on the smallest frame that decides
    it exactly: the column contract on the sample; column rules on the histogram of
    their columns; uniqueness on the duplicated keys; the row-count rule on the row
    count; the suite's aggregates on the warehouse's totals. GX's counts of distinct
    values are turned back into counts of table rows (see :func:`_reweigh`), so
    ``unexpected_count`` and the percentages are those of the whole table.

    Args:
        suite_name: A key of :data:`expectations.suites.SUITES`.
        profile: The table reduced per :func:`expectations.profile.profile_request`.
        context_params: As for :func:`run_suite`.

    Returns:
        A :class:`SuiteResult` whose ``row_count`` is the table's.
    """
    definition = SUITES[suite_name]
    params = SuiteParams.coerce(context_params)
    checked_at = datetime.now(UTC)
    started = time.perf_counter()
    context = ephemeral_context()
    suite = definition.build_suite(params)
    targets = _profile_targets(definition, suite, profile, params)
    outcomes, gx_runs = _validate(context, targets)
    gx_runs = _merge_parts(suite, gx_runs, definition.name)
    # The suite's rules ran in per-column parts: report them in the suite's order again,
    # between the column contract and the aggregates, as run_suite does.
    main = {e.meta["check"]: i for i, e in enumerate(suite.expectations)}
    contract = {e.meta["check"] for e in schema_suite(definition).expectations}
    outcomes.sort(key=lambda o: (0, 0) if o.name in contract else (1, main.get(o.name, len(main))))
    return SuiteResult(
        suite=definition.name,
        asset=definition.asset,
        run_id=params.run_id,
        checked_at=checked_at,
        row_count=profile.row_count,
        duration_seconds=time.perf_counter() - started,
        outcomes=tuple(outcomes),
        gx_runs=tuple(gx_runs),
    )


def _validate(context: Any, targets: list[Target]) -> tuple[list[ExpectationOutcome], list]:
    """Run every target's suite on its frame; outcomes in each suite's order."""
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
        if target.weights is not None:
            # Every unexpected frame row is needed to weigh it; frames are small.
            result_format["result_format"] = "COMPLETE"
        elif target.index_columns:
            result_format["unexpected_index_column_names"] = list(target.index_columns)
        validation = batch.validate(target.suite, result_format=result_format)
        if target.weights is not None:
            for result in validation.results:
                _reweigh(result, target)
        gx_runs.append((target.suite, validation, target.subject))
        order = {e.meta["check"]: i for i, e in enumerate(target.suite.expectations)}
        flat = [describe_outcome(r, target) for r in validation.results]
        outcomes.extend(sorted(flat, key=lambda o: order.get(o.name, len(order))))
    return outcomes, gx_runs


def _reweigh(validation_result: Any, target: Target) -> None:
    """Turn GX's counts of frame rows into counts of the table rows they stand for.

    A frame row of a histogram stands for ``weights[i]`` table rows with the same values,
    so the unexpected rows are the summed weights of the unexpected frame rows, and the
    percentages follow GX's own definitions (share of non-missing values; of all values
    for the not-null rule). The full lists GX returned for weighing are cut back to a
    sample.
    """
    result = validation_result.result
    if not result or "unexpected_index_list" not in result:
        return  # an aggregate (max, row count): the same on the distinct values
    weights = target.weights
    assert weights is not None
    positions = np.asarray(result["unexpected_index_list"], dtype="int64")
    config = validation_result.expectation_config
    element = int(weights.sum()) if target.element_count is None else target.element_count
    ignored = _ignored_rows(target.frame, config.type, dict(config.kwargs))
    missing = int(weights[ignored].sum()) + target.missing_extra
    unexpected = int(weights[positions].sum()) if len(positions) else 0
    not_null = config.type == "expect_column_values_to_not_be_null"
    nonmissing = element if not_null else element - missing
    updates: dict[str, Any] = {
        "element_count": element,
        "unexpected_count": unexpected,
        "unexpected_percent": 100.0 * unexpected / nonmissing if nonmissing else None,
        "missing_count": missing,
        "missing_percent": 100.0 * missing / element if element else None,
        "unexpected_percent_total": 100.0 * unexpected / element if element else None,
        "unexpected_percent_nonmissing": (
            100.0 * unexpected / (element - missing) if element - missing else None
        ),
    }
    for key, value in updates.items():
        if key in result:
            result[key] = value
    if "partial_unexpected_counts" in result:
        counts: dict[Any, int] = {}
        values = result.get("unexpected_list") or []
        for value, position in zip(values, positions, strict=False):
            key = value if not isinstance(value, dict | list) else repr(value)
            counts[key] = counts.get(key, 0) + int(weights[position])
        top = sorted(counts.items(), key=lambda kv: -kv[1])[:MAX_SAMPLE]
        result["partial_unexpected_counts"] = [{"value": v, "count": c} for v, c in top]
    for key in ("unexpected_list", "unexpected_index_list", "partial_unexpected_index_list"):
        if key in result:
            result[key] = list(result[key][:MAX_SAMPLE])
    result.pop("unexpected_index_query", None)


def _ignored_rows(frame: pd.DataFrame, etype: str, kwargs: dict[str, Any]) -> np.ndarray:
    """Frame rows GX leaves out of an expectation as missing (per its ``ignore_row_if``)."""
    if etype == "expect_column_values_to_not_be_null":
        return np.zeros(len(frame), dtype=bool)
    columns = [c for c in expectation_columns(kwargs) if c in frame.columns]
    if not columns:
        return np.zeros(len(frame), dtype=bool)
    nulls = frame[columns].isna().to_numpy()
    if len(columns) == 1:
        return nulls[:, 0]
    rule = kwargs.get("ignore_row_if")
    if rule in ("either_value_is_missing", "any_value_is_missing"):
        return nulls.any(axis=1)
    if rule == "never":
        return np.zeros(len(frame), dtype=bool)
    return nulls.all(axis=1)  # both_values_are_missing / all_values_are_missing (defaults)


def _merge_parts(suite: Any, gx_runs: list, subject: str) -> list:
    """One GX validation result for the suite's parts, as if one batch had held them all.

    The suite ran as one part per histogram; Data Docs should show it as the one suite
    it is (one page, not ten), and rendering one page costs less than ten.
    """
    prefix = f"{suite.name}["
    parts = [run for run in gx_runs if run[0].name.startswith(prefix)]
    if not parts:
        return gx_runs
    results = [r for _, validation, _ in parts for r in validation.results]
    passed = sum(1 for r in results if r.success)
    merged = ExpectationSuiteValidationResult(
        success=passed == len(results),
        results=results,
        suite_name=suite.name,
        statistics={
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": 100.0 * passed / len(results) if results else None,
        },
        meta=dict(parts[0][1].meta or {}),
    )
    first = gx_runs.index(parts[0])
    rest = [run for run in gx_runs if run not in parts]
    return [*rest[:first], (suite, merged, subject), *rest[first:]]


def _profile_targets(
    definition: SuiteDefinition, suite: Any, profile: TableProfile, params: SuiteParams
) -> list[Target]:
    """The (suite, frame) pairs of a profile run; see :func:`run_profile`."""
    name = definition.name
    targets = []
    if definition.columns:
        sample = _parse_dates(profile.sample, definition.date_columns)
        targets.append(Target(schema_suite(definition), sample, name))
    groups: dict[tuple[str, ...] | str, list[Any]] = {}
    for expectation in suite.expectations:
        config = expectation.configuration
        columns = expectation_columns(config.kwargs)
        if config.type in TABLE_TYPES:
            group: tuple[str, ...] | str = "table"
        elif config.type in UNIQUE_TYPES:
            group = ("unique", *columns)
        else:
            group = columns
        groups.setdefault(group, []).append(config.to_domain_obj())
    for group, expectations in groups.items():
        part = new_suite(f"{suite.name}[{_label(group)}]", str(suite.meta.get("notes", "")))
        for expectation in expectations:
            part.add_expectation(expectation)
        if group == "table":
            # GX counts the rows of the frame itself: a frame without columns is free.
            frame = pd.DataFrame(index=pd.RangeIndex(profile.row_count))
            targets.append(Target(part, frame, name))
        elif group[0] == "unique":
            key = tuple(group[1:])
            duplicates = profile.duplicates.get(key)
            if duplicates is None:  # a key column is missing: reported as such
                targets.append(Target(part, pd.DataFrame(), name, weights=np.zeros(0, "int64")))
                continue
            frame, weights = expand_duplicates(duplicates)
            frame = _parse_dates(frame, definition.date_columns)
            keyed = profile.keyed_rows.get(key, profile.row_count)
            targets.append(
                Target(
                    part,
                    frame,
                    name,
                    weights=weights,
                    element_count=profile.row_count,
                    missing_extra=profile.row_count - keyed,
                )
            )
        else:
            histogram = profile.histograms[group]
            weights = histogram[WEIGHT].to_numpy(dtype="int64")
            frame = _parse_dates(histogram.drop(columns=WEIGHT), definition.date_columns)
            targets.append(Target(part, frame, name, weights=weights))
    skus = params.product_skus
    sku_values = profile.histograms.get(("sku",))
    has_skus = sku_values is not None and "sku" in sku_values.columns
    if definition.sku_reference and skus is not None and has_skus:
        distinct = sku_values["sku"].dropna().astype(str).reset_index(drop=True)
        unknown = distinct.where(~distinct.isin(skus))
        sku_frame = pd.DataFrame({"sku": distinct, "unknown_sku": unknown})
        subject = f"{name}[distinct sku]"
        targets.append(Target(sku_reference_suite(definition), sku_frame, subject))
    if definition.derived_profile is not None:
        targets.extend(definition.derived_profile(profile, params))
    return targets


def _label(group: tuple[str, ...] | str) -> str:
    return group if isinstance(group, str) else ",".join(group)


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
