"""The context a suite needs that the frame itself cannot give: today, reference data, history.

Asset checks know things a frame does not (what day it is, the previous load's row count,
the products table), so they pass them in here instead of the suites reading the warehouse.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd


def _utc_today() -> date:
    return datetime.now(UTC).date()


@dataclass(frozen=True, eq=False)  # holds frames: identity, not value, equality
class SuiteParams:
    """Parameters of one validation run.

    Attributes:
        today: The reference day: no landed date may be later, freshness is measured from it.
        products: The ``raw.products`` frame; ``sku`` columns elsewhere must be in its set.
            ``None`` or empty skips referential checks (loading sales alone is allowed).
        suppliers: The ``raw.suppliers`` frame, for the ``supplier_id`` checks (warnings).
        previous_count: Row count of the previous load of the same table; ``None`` or 0 skips
            the row-count check.
        max_ratio: The row count may change by at most this factor, either way.
        max_age_days: The latest sales (or inventory) date may be at most this old.
        earliest_date: Dates before this are outside the expected window.
        daily_history: Whether sales are daily, so a day without any row is a gap.
        closed_dates: Days on which no sales are expected (store closures, holidays).
        volume_k: Category volume may move by at most this factor against its baseline.
        baseline_days: Days of history before the compared window that form the baseline.
        max_lead_time_days: Longest plausible supplier lead time.
        run_id: Identifier written to every result row (the Dagster run id when there is one).
    """

    today: date = field(default_factory=_utc_today)
    products: pd.DataFrame | None = None
    suppliers: pd.DataFrame | None = None
    previous_count: int | None = None
    max_ratio: float = 3.0
    max_age_days: int = 3
    earliest_date: date = date(2000, 1, 1)
    daily_history: bool = True
    closed_dates: tuple[date, ...] = ()
    volume_k: float = 5.0
    baseline_days: int = 28
    max_lead_time_days: float = 365.0
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __post_init__(self) -> None:
        if self.max_ratio < 1 or self.volume_k < 1:
            raise ValueError("max_ratio and volume_k are factors and must be >= 1")
        if self.baseline_days < 7:
            raise ValueError("baseline_days must be at least 7 for a stable median")
        object.__setattr__(self, "today", _as_date(self.today))
        object.__setattr__(self, "earliest_date", _as_date(self.earliest_date))
        object.__setattr__(self, "closed_dates", tuple(_as_date(d) for d in self.closed_dates))

    @classmethod
    def coerce(cls, value: SuiteParams | Mapping[str, Any] | None) -> SuiteParams:
        """Accept a ``SuiteParams``, a mapping of its fields (e.g. from run config) or None."""
        if value is None:
            return cls()
        if isinstance(value, SuiteParams):
            return value
        known = {f.name for f in fields(cls)}
        unknown = set(value) - known
        if unknown:
            raise ValueError(
                f"unknown suite parameter(s) {sorted(unknown)}; known: {sorted(known)}"
            )
        return cls(**dict(value))

    @property
    def product_skus(self) -> frozenset[str] | None:
        """SKUs of the products frame, or None when there is nothing to check against."""
        return _key_set(self.products, "sku")

    @property
    def supplier_ids(self) -> frozenset[str] | None:
        """Supplier ids of the suppliers frame, or None when there is nothing to check against."""
        return _key_set(self.suppliers, "supplier_id")


def _as_date(value: date | datetime | str | pd.Timestamp) -> date:
    if isinstance(value, datetime | pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()


def _key_set(frame: pd.DataFrame | None, column: str) -> frozenset[str] | None:
    if frame is None or frame.empty or column not in frame.columns:
        return None
    return frozenset(frame[column].dropna().astype(str).unique())
