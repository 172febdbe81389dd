"""Great Expectations suites as Dagster asset checks: one blocking gate, one warning light.

Each suite in :data:`expectations.SUITES` that guards a raw table or a mart becomes one
``@multi_asset_check`` with two check specs on the same asset, evaluated by one suite run:

- ``gx_critical`` (blocking): fails with ERROR when a critical expectation fails, so the
  assets downstream of the checked asset (dbt models, forecasts, policy) are skipped and
  the run fails; its metadata names each expectation, how many rows, and sample values.
- ``gx_warnings`` (not blocking): fails with WARN when only warning expectations fail.

Why two checks rather than one check that passes with warnings in its metadata: the
Dagster UI colours a check by its result, so a passed check hides its warnings behind a
green tick, and a WARN result on a *blocking* check is counted as a blocking failure by
``stockcast run``. A separate non-blocking check shows the warning in yellow where a
planner looks, and never stops a run. One op runs the suite once for both.

Every run appends its outcomes to ``quality.data_quality_results`` (for the dashboard)
and adds them to the Data Docs site in ``$STOCKCAST_HOME/data_docs``.

Cost: no check reads a table's rows. The warehouse reduces each table to the histograms,
duplicated keys and daily totals its suite's rules need (:mod:`.profile`), so a check on
11 million rows of sales hands GX a few thousand rows; the counts GX reports are still
counts of table rows. Each check's metadata says what it cost (``check_seconds``,
``cpu_seconds``), which ``bench/quality_bench.py`` sums against the whole run.
"""

import fcntl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd

from expectations import (
    RECORD_COLUMNS,
    SUITES,
    ExpectationOutcome,
    SuiteResult,
    profile_request,
    run_profile,
)
from expectations import build_data_docs as gx_build_data_docs
from orchestration.defs.quality.params import build_params
from orchestration.defs.quality.profile import profile_table
from orchestration.resources import StockcastResource
from orchestration.settings import ENTITIES, Settings
from orchestration.warehouse import Warehouse

CRITICAL_CHECK = "gx_critical"
WARNING_CHECK = "gx_warnings"
RESULTS_SCHEMA = "quality"
RESULTS_TABLE = "data_quality_results"
MART_SUITES = ("marts.fct_daily_sales",)
"""Marts guarded by a suite (model outputs such as ml.demand_forecasts have their own)."""

RAW_SUITES = tuple(f"raw.{entity}" for entity in ENTITIES if f"raw.{entity}" in SUITES)

_RESULT_DTYPES = {
    "run_id": "string",
    "asset": "string",
    "suite": "string",
    "expectation": "string",
    "severity": "string",
    "success": "bool",
    "unexpected_count": "Int64",
    "unexpected_percent": "float64",
    "sample": "string",
    "message": "string",
}


def data_docs_dir(settings: Settings) -> Path:
    """Where the Data Docs site lives: ``$STOCKCAST_HOME/data_docs``."""
    return settings.home / "data_docs"


def validate(
    warehouse: Warehouse, settings: Settings, suite_name: str, run_id: str
) -> SuiteResult | None:
    """Profile the suite's table in the warehouse and run the suite; None when no table.

    The table never crosses the wire: the warehouse reduces it to the histograms, the
    duplicated keys and the aggregates the suite's rules need
    (:mod:`orchestration.defs.quality.profile`), and GX validates those, with counts of
    table rows. At 10,000 SKUs that is thousands of rows per check instead of millions.
    """
    schema, table = SUITES[suite_name].asset
    if not warehouse.table_exists(schema, table):
        return None
    params = build_params(warehouse, settings, suite_name, run_id)
    profile = profile_table(warehouse, schema, table, profile_request(suite_name, params))
    return run_profile(suite_name, profile, params)


def results_frame(results: Sequence[SuiteResult]) -> pd.DataFrame:
    """Result rows with fixed dtypes, so the table is typed alike on DuckDB and PostgreSQL.

    ``checked_at`` is stored as naive UTC like every other timestamp in the warehouse.
    """
    frame = pd.concat([r.to_frame() for r in results], ignore_index=True)
    frame = frame.astype(_RESULT_DTYPES)
    frame["checked_at"] = pd.to_datetime(frame["checked_at"], utc=True).dt.tz_localize(None)
    return frame[list(RECORD_COLUMNS)]


def record_results(warehouse: Warehouse, results: Sequence[SuiteResult]) -> int:
    """Append outcomes to ``quality.data_quality_results``; return the rows written."""
    if not results:
        return 0
    return warehouse.write_table(results_frame(results), RESULTS_SCHEMA, RESULTS_TABLE, "append")


@contextmanager
def _site_lock(out_dir: Path) -> Iterator[None]:
    """One writer at a time: GX rewrites the site index, and checks may run in parallel."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / ".lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def publish_data_docs(results: Sequence[SuiteResult], out_dir: Path) -> Path:
    """Add results to the Data Docs site (under a file lock); return its index page."""
    with _site_lock(out_dir):
        return gx_build_data_docs(results, out_dir)


def _outcome_row(outcome: ExpectationOutcome) -> dict[str, Any]:
    return {
        "expectation": outcome.name,
        "subject": outcome.subject,
        "severity": outcome.severity,
        "rows": outcome.unexpected_count,
        "percent": outcome.unexpected_percent,
        "sample": list(outcome.sample),
        "message": outcome.message,
    }


def _table(outcomes: Sequence[ExpectationOutcome]) -> str:
    lines = ["| expectation | on | rows | sample |", "|---|---|---|---|"]
    for o in outcomes:
        sample = ", ".join(str(v) for v in o.sample[:5]).replace("|", "/")
        rows = "" if o.unexpected_count is None else str(o.unexpected_count)
        lines.append(f"| {o.name} | {o.subject} | {rows} | {sample} |")
    return "\n".join(lines)


def check_metadata(
    result: SuiteResult,
    outcomes: Sequence[ExpectationOutcome],
    docs_index: Path | None,
    cost: dict[str, float] | None = None,
) -> dict[str, Any]:
    """What the UI shows for one check: the failed expectations first, then the numbers.

    ``cost`` adds what the whole check took (profile queries, GX, results, Data Docs):
    ``duration_seconds`` covers GX alone, and the benchmark wants the sum.
    """
    metadata: dict[str, Any] = {
        "suite": result.suite,
        "row_count": result.row_count,
        "duration_seconds": round(result.duration_seconds, 3),
        "expectations": len(result.outcomes),
        "failed": len(outcomes),
        **(cost or {}),
    }
    if outcomes:
        metadata["message"] = "; ".join(o.message for o in outcomes)
        metadata["failed_expectations"] = dg.MetadataValue.md(_table(outcomes))
        metadata["failures"] = dg.MetadataValue.json([_outcome_row(o) for o in outcomes])
    if docs_index is not None:
        metadata["data_docs"] = dg.MetadataValue.path(str(docs_index))
    return metadata


def check_results(
    result: SuiteResult,
    asset_key: dg.AssetKey,
    docs_index: Path | None,
    cost: dict[str, float] | None = None,
) -> list[dg.AssetCheckResult]:
    """The critical (ERROR, blocking) and warning (WARN) results of one suite run."""
    return [
        dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=CRITICAL_CHECK,
            passed=result.passed_critical,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=check_metadata(result, result.failures, docs_index, cost),
        ),
        dg.AssetCheckResult(
            asset_key=asset_key,
            check_name=WARNING_CHECK,
            passed=not result.warnings,
            severity=dg.AssetCheckSeverity.WARN,
            metadata=check_metadata(result, result.warnings, docs_index, cost),
        ),
    ]


def build_suite_check(suite_name: str) -> dg.AssetChecksDefinition:
    """The two checks (``gx_critical`` blocking, ``gx_warnings``) of one suite's asset."""
    definition = SUITES[suite_name]
    asset_key = dg.AssetKey(list(definition.asset))

    @dg.multi_asset_check(
        name=f"{'_'.join(definition.asset)}_gx",
        specs=[
            dg.AssetCheckSpec(
                CRITICAL_CHECK,
                asset=asset_key,
                blocking=True,
                description=(
                    f"Critical expectations of the {suite_name} suite (schema, keys, ranges, "
                    "dates, batch volume and calendar); ERROR blocks everything downstream."
                ),
            ),
            dg.AssetCheckSpec(
                WARNING_CHECK,
                asset=asset_key,
                description=f"Warning expectations of the {suite_name} suite; shown, never "
                "blocking (e.g. stale data, a discount above 1).",
            ),
        ],
    )
    def _check(
        context: dg.AssetCheckExecutionContext, stockcast: StockcastResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = stockcast.settings()
        warehouse = Warehouse.from_settings(settings)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = validate(warehouse, settings, suite_name, context.run.run_id)
        if result is None:
            message = f"{suite_name} does not exist yet; nothing to validate"
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=CRITICAL_CHECK,
                passed=False,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={"message": message},
            )
            yield dg.AssetCheckResult(asset_key=asset_key, check_name=WARNING_CHECK, passed=True)
            return
        record_results(warehouse, [result])
        docs_index = publish_data_docs([result], data_docs_dir(settings))
        for outcome in result.failures:
            context.log.error(outcome.message)
        for outcome in result.warnings:
            context.log.warning(outcome.message)
        cost = {
            "check_seconds": round(time.perf_counter() - started, 3),
            "cpu_seconds": round(time.process_time() - cpu_started, 3),
        }
        context.log.info(
            f"{suite_name}: {len(result.outcomes)} expectations on {result.row_count} rows; "
            f"GX {result.duration_seconds:.1f}s, whole check {cost['check_seconds']:.1f}s "
            f"({cost['cpu_seconds']:.1f}s CPU in this process)"
        )
        yield from check_results(result, asset_key, docs_index, cost)

    return _check


quality_checks = [build_suite_check(name) for name in (*RAW_SUITES, *MART_SUITES)]
"""Every suite check of the code location: add to ``Definitions(asset_checks=...)``."""
