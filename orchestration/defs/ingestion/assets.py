"""Raw assets: load new files from the incoming folder into ``raw.<entity>``.

Thin by design: :func:`orchestration.ingestion.ingest_entity` does the work; the asset
reports what happened so a planner sees it in the Dagster UI.
"""

from typing import Any

import dagster as dg

from orchestration.ingestion import CONTRACTS, EntityResult, ingest_entity
from orchestration.resources import StockcastResource
from orchestration.settings import ENTITIES

REFERENCE_ENTITIES = ("products", "suppliers")
"""Loaded first: facts are checked against them (unknown SKUs)."""


def ingestion_metadata(result: EntityResult) -> dict[str, Any]:
    """Run metadata for one entity's load: counts, files, a quarantine sample, warnings."""
    meta: dict[str, Any] = {
        "files_loaded": len(result.loaded),
        "files_skipped": len(result.skipped),
        "rows_read": result.total("rows_read"),
        "rows_loaded": result.total("rows_loaded"),
        "rows_duplicate": result.total("duplicates"),
        "rows_quarantined": result.total("rows_quarantined"),
        "dagster/row_count": result.total("rows_loaded"),
    }
    if result.loaded:
        meta["files"] = dg.MetadataValue.md(
            "| file | read | loaded | duplicate | quarantined |\n|---|---|---|---|---|\n"
            + "\n".join(
                f"| {f.file} | {f.rows_read} | {f.rows_loaded} | {f.duplicates} | "
                f"{f.rows_quarantined} |"
                for f in result.loaded
            )
        )
    if result.skipped:
        meta["skipped_files"] = dg.MetadataValue.json([f.file for f in result.skipped])
    if result.quarantine_sample:
        meta["quarantine_sample"] = dg.MetadataValue.json(result.quarantine_sample)
    if result.warning:
        meta["warning"] = result.warning
    return meta


def build_raw_asset(entity: str) -> dg.AssetsDefinition:
    """One raw asset for ``entity``; facts depend on the reference entities."""
    contract = CONTRACTS[entity]
    deps = (
        [dg.AssetKey(["raw", e]) for e in REFERENCE_ENTITIES]
        if entity not in REFERENCE_ENTITIES
        else []
    )
    keys = ", ".join(contract.keys)

    @dg.asset(
        key=dg.AssetKey(["raw", entity]),
        group_name="raw",
        deps=deps,
        kinds={"python", "csv"},
        pool="warehouse",
        description=(
            f"{entity} files from $STOCKCAST_HOME/incoming, one row per {keys} "
            f"({'optional file' if contract.optional_file else 'required file'}; "
            "see docs/data-contract.md). Bad rows go to raw.quarantine."
        ),
    )
    def _raw_asset(
        context: dg.AssetExecutionContext, stockcast: StockcastResource
    ) -> dg.MaterializeResult:
        settings = stockcast.settings()
        result = ingest_entity(stockcast.warehouse(), settings, entity)
        if result.warning:
            context.log.warning(result.warning)
        for f in result.loaded:
            context.log.info(
                f"{f.file}: {f.rows_read} read, {f.rows_loaded} loaded, "
                f"{f.duplicates} duplicate, {f.rows_quarantined} quarantined"
            )
        return dg.MaterializeResult(metadata=ingestion_metadata(result))

    _raw_asset.__name__ = f"raw_{entity}"
    return _raw_asset


ingestion_assets = [build_raw_asset(entity) for entity in ENTITIES]
