"""Quarantine checks: warn when a load rejected any row, block when it rejected too many."""

import dagster as dg

from orchestration.resources import StockcastResource
from orchestration.settings import ENTITIES
from orchestration.warehouse import Warehouse


def latest_load(warehouse: Warehouse, entity: str) -> dict[str, int]:
    """Files and row counts of the latest load of ``entity`` (all files of its last run)."""
    if not warehouse.table_exists("raw", "loaded_files"):
        return {"files": 0, "rows_read": 0, "rows_quarantined": 0}
    ledger = warehouse.read_table("raw", "loaded_files", where={"entity": entity})
    if ledger.empty:
        return {"files": 0, "rows_read": 0, "rows_quarantined": 0}
    last = ledger[ledger["loaded_at"] == ledger["loaded_at"].max()]
    return {
        "files": len(last),
        "rows_read": int(last["rows_read"].sum()),
        "rows_quarantined": int(last["rows_quarantined"].sum()),
    }


def quarantine_check_result(
    entity: str, rows_read: int, rows_quarantined: int, max_share: float
) -> dg.AssetCheckResult:
    """Pass, WARN when any row was quarantined, ERROR (blocking) above ``max_share``.

    Why two levels: a few bad lines in a large export should be seen but not stop the
    nightly forecast; a mostly-rejected file means a broken export or mapping, and
    forecasting from what is left would mislead.
    """
    share = rows_quarantined / rows_read if rows_read else 0.0
    metadata = {
        "rows_read": rows_read,
        "rows_quarantined": rows_quarantined,
        "quarantined_share": round(share, 6),
        "max_share": max_share,
    }
    if rows_quarantined == 0:
        return dg.AssetCheckResult(passed=True, metadata=metadata)
    if share > max_share:
        metadata["message"] = (
            f"{rows_quarantined} of {rows_read} {entity} rows quarantined ({share:.1%} > "
            f"{max_share:.1%}); see raw.quarantine. Fix the file or mapping and drop it again."
        )
        return dg.AssetCheckResult(
            passed=False, severity=dg.AssetCheckSeverity.ERROR, metadata=metadata
        )
    metadata["message"] = f"{rows_quarantined} {entity} row(s) quarantined; see raw.quarantine"
    return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, metadata=metadata)


def build_quarantine_check(entity: str) -> dg.AssetChecksDefinition:
    """The quarantine-share check of ``raw/<entity>``."""

    @dg.asset_check(
        asset=dg.AssetKey(["raw", entity]),
        name="quarantine_share",
        blocking=True,
        description=(
            "WARN when the latest load quarantined any row; ERROR, blocking downstream, when "
            "the quarantined share exceeds quarantine_max_share in stockcast.yaml."
        ),
    )
    def _check(stockcast: StockcastResource) -> dg.AssetCheckResult:
        settings = stockcast.settings()
        load = latest_load(stockcast.warehouse(), entity)
        return quarantine_check_result(
            entity, load["rows_read"], load["rows_quarantined"], settings.quarantine_max_share
        )

    _check.__name__ = f"raw_{entity}_quarantine_share"
    return _check


ingestion_checks = [build_quarantine_check(entity) for entity in ENTITIES]
