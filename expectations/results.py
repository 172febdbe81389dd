"""The one result type every suite returns, and its rows for ``quality.data_quality_results``.

An asset check needs three things from a run: may downstream proceed (``passed_critical``),
what to show (``failures``, ``warnings``, each with a one-line message), and what to store
(``to_records``). GX's own result objects are kept for Data Docs only.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd

Severity = Literal["critical", "warning"]

RECORD_COLUMNS = (
    "run_id",
    "asset",
    "suite",
    "expectation",
    "severity",
    "success",
    "unexpected_count",
    "unexpected_percent",
    "sample",
    "message",
    "checked_at",
)
"""Columns of a ``data_quality_results`` row, in table order."""

MAX_SAMPLE = 10


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation, flattened for checks, logs and tables.

    Attributes:
        name: Check name, unique and stable within its suite (``quantity_non_negative``).
        expectation_type: GX type (``expect_column_values_to_be_between``).
        subject: What was checked, e.g. ``raw.sales.quantity`` or
            ``raw.sales[calendar].date``.
        severity: ``critical`` blocks downstream assets, ``warning`` is only shown.
        success: Whether the expectation held.
        unexpected_count: Offending rows (None for table-level expectations).
        unexpected_percent: Share of offending rows among non-null values, in percent.
        sample: Up to 10 offending values (JSON-safe), or the observed value when the
            expectation is about the whole table.
        message: One human line, e.g. ``expect_column_values_to_be_between on
            raw.sales.quantity: 3 rows (0.1%) outside [0, inf), e.g. -5, -2``.
    """

    name: str
    expectation_type: str
    subject: str
    severity: Severity
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    sample: tuple[Any, ...]
    message: str


@dataclass(frozen=True)
class SuiteResult:
    """Every expectation outcome of one suite run on one frame.

    Attributes:
        suite: Suite name (``raw.sales``).
        asset: Dagster asset key path (``("raw", "sales")``).
        run_id: The run identifier from the parameters.
        checked_at: When the run started (UTC).
        row_count: Rows in the validated frame.
        duration_seconds: Wall time of the run, aggregates included.
        outcomes: One outcome per expectation, in suite order.
        gx_runs: (suite, GX validation result, subject) per validated frame, for Data Docs.
    """

    suite: str
    asset: tuple[str, ...]
    run_id: str
    checked_at: datetime
    row_count: int
    duration_seconds: float
    outcomes: tuple[ExpectationOutcome, ...]
    gx_runs: tuple[tuple[Any, Any, str], ...] = field(default=(), repr=False, compare=False)

    @property
    def passed_critical(self) -> bool:
        """True when no critical expectation failed: downstream may proceed."""
        return not self.failures

    @property
    def success(self) -> bool:
        """True when every expectation, warnings included, held."""
        return all(o.success for o in self.outcomes)

    @property
    def failures(self) -> list[ExpectationOutcome]:
        """Failed critical expectations (these block)."""
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        """Failed warning expectations (these are only shown)."""
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    def outcome(self, name: str) -> ExpectationOutcome:
        """The outcome of check ``name`` (KeyError listing the names if absent)."""
        for o in self.outcomes:
            if o.name == name:
                return o
        names = [o.name for o in self.outcomes]
        raise KeyError(f"{self.suite} has no check {name!r}; it has {names}")

    def summary(self) -> dict[str, Any]:
        """Counts and failure messages, small enough for asset-check metadata."""
        return {
            "suite": self.suite,
            "rows": self.row_count,
            "expectations": len(self.outcomes),
            "failed_critical": len(self.failures),
            "failed_warning": len(self.warnings),
            "duration_seconds": round(self.duration_seconds, 3),
            "messages": [o.message for o in self.failures + self.warnings],
        }

    def to_records(self) -> list[dict[str, Any]]:
        """One row per expectation for ``data_quality_results`` (columns: RECORD_COLUMNS).

        ``sample`` is a JSON text so the table needs no array or JSON type, which keeps the
        same DDL on DuckDB and PostgreSQL.
        """
        return [
            {
                "run_id": self.run_id,
                "asset": ".".join(self.asset),
                "suite": self.suite,
                "expectation": o.name,
                "severity": o.severity,
                "success": o.success,
                "unexpected_count": o.unexpected_count,
                "unexpected_percent": o.unexpected_percent,
                "sample": json.dumps(list(o.sample)),
                "message": o.message,
                "checked_at": self.checked_at,
            }
            for o in self.outcomes
        ]

    def to_frame(self) -> pd.DataFrame:
        """:meth:`to_records` as a frame with exactly RECORD_COLUMNS."""
        return pd.DataFrame(self.to_records(), columns=list(RECORD_COLUMNS))


def jsonable(value: Any) -> Any:
    """A JSON-safe version of a value GX reports (timestamps, numpy scalars, dicts)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset | np.ndarray):
        return [jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp | datetime):
        if pd.isna(value):
            return None
        stamp = pd.Timestamp(value)
        return stamp.date().isoformat() if stamp == stamp.normalize() else stamp.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, str) and len(value) == 19 and value.endswith("T00:00:00"):
        return value[:10]  # GX reports dates as midnight ISO timestamps
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
