"""What a suite needs besides its frame: today, reference data, the previous load's size.

The suites in :mod:`expectations` read no database and no config; this module gathers
their parameters from the warehouse (the products table, the load ledger) and from the
``quality:`` section of ``stockcast.yaml``. (Which columns a suite reads follows from its
expectations: :func:`expectations.profile_request`.)
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from expectations import SUITES, SuiteParams
from orchestration.settings import ConfigError, Settings
from orchestration.warehouse import Warehouse

CONFIGURABLE = (
    "max_ratio",
    "max_age_days",
    "earliest_date",
    "daily_history",
    "closed_dates",
    "volume_k",
    "baseline_days",
    "max_lead_time_days",
)
"""``SuiteParams`` fields a user may set under ``quality:`` in ``stockcast.yaml``."""

SUPPLIER_SUITES = frozenset({"raw.products", "raw.purchase_orders"})
"""Suites with a ``supplier_known`` rule, which need the suppliers frame."""

VOLUME_SUITES = frozenset({"raw.sales"})
"""Suites whose volume rule groups by product category."""


def quality_config(settings: Settings) -> dict[str, Any]:
    """The suite parameters set under ``quality:`` (unknown keys are a config error).

    Why strict: a misspelt threshold silently falling back to its default is the kind of
    mistake a data-quality gate exists to prevent.
    """
    section = settings.section("quality")
    unknown = sorted(set(section) - set(CONFIGURABLE))
    if unknown:
        raise ConfigError(
            f"quality: unknown key(s) {unknown}; the suite parameters are {list(CONFIGURABLE)}"
        )
    return dict(section)


def previous_load_count(warehouse: Warehouse, entity: str) -> int | None:
    """Rows ``raw.<entity>`` held before its latest load, from ``raw.loaded_files``.

    The table is cumulative, so "the previous load" is the table as it stood before the
    latest batch of files: the rows loaded by every earlier ledger entry. ``None`` on a
    first load (nothing to compare with), which skips the row-count rule.
    """
    if not warehouse.table_exists("raw", "loaded_files"):
        return None
    ledger = warehouse.read_table(
        "raw", "loaded_files", ["rows_loaded", "loaded_at"], where={"entity": entity}
    )
    if ledger.empty:
        return None
    earlier = ledger[ledger["loaded_at"] < ledger["loaded_at"].max()]
    if earlier.empty:
        return None
    return int(earlier["rows_loaded"].sum())


def _reference(warehouse: Warehouse, table: str, columns: list[str]) -> pd.DataFrame | None:
    if not warehouse.table_exists("raw", table):
        return None
    return warehouse.read_table("raw", table, columns)


def build_params(
    warehouse: Warehouse,
    settings: Settings,
    suite_name: str,
    run_id: str,
    today: date | None = None,
) -> SuiteParams:
    """Parameters for one run of ``suite_name``: only the reference data it uses is read.

    Args:
        warehouse: Where the products, suppliers and ledger live.
        settings: For the ``quality:`` thresholds.
        suite_name: A key of :data:`expectations.SUITES`.
        run_id: The Dagster run id, written to every result row.
        today: The run date (UTC today when None): no landed date may be later.
    """
    definition = SUITES[suite_name]
    values: dict[str, Any] = quality_config(settings)
    values["today"] = today or datetime.now(UTC).date()
    values["run_id"] = run_id
    if definition.sku_reference or suite_name in VOLUME_SUITES:
        columns = ["sku", "category"] if suite_name in VOLUME_SUITES else ["sku"]
        values["products"] = _reference(warehouse, "products", columns)
    if suite_name in SUPPLIER_SUITES:
        values["suppliers"] = _reference(warehouse, "suppliers", ["supplier_id"])
    if definition.asset[0] == "raw":
        values["previous_count"] = previous_load_count(warehouse, definition.asset[1])
    return SuiteParams.coerce(values)
