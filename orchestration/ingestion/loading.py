"""Load incoming files into ``raw.<entity>``: idempotent, incremental, with quarantine.

A file is identified by its content hash: the same bytes are never loaded twice, under
any name. Rows are keyed by the contract's natural key and the first loaded row wins:
a later row with the same key and the same values is a harmless duplicate, one with
other values is quarantined (``conflicts_with_loaded_row``) and the stored row kept,
so a re-exported history cannot silently rewrite the past. Each file loads in one
transaction with its ledger entry.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from orchestration.ingestion.contract import contract_for
from orchestration.ingestion.readers import (
    DEFAULT_CHUNK_ROWS,
    MappingPlan,
    SourceChunk,
    UnreadableFileError,
    file_sha256,
    read_chunks,
)
from orchestration.ingestion.validation import (
    CONFLICTING_DUPLICATE,
    CONFLICTS_WITH_LOADED,
    QUARANTINE_COLUMNS,
    key_text,
    records_json,
    validate,
)
from orchestration.settings import Settings, SourceMapping
from orchestration.warehouse import LINEAGE_COLUMNS, Warehouse, utc_now

SAMPLE_SIZE = 10


@dataclass
class FileResult:
    """What happened to one file."""

    file: str
    sha256: str
    skipped: bool = False
    rows_read: int = 0
    rows_loaded: int = 0
    duplicates: int = 0
    rows_quarantined: int = 0
    quarantine_sample: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class EntityResult:
    """What one ingestion run did for one entity."""

    entity: str
    files: list[FileResult] = field(default_factory=list)
    warning: str | None = None

    @property
    def loaded(self) -> list[FileResult]:
        """Files loaded in this run."""
        return [f for f in self.files if not f.skipped]

    @property
    def skipped(self) -> list[FileResult]:
        """Files skipped because their content was loaded before."""
        return [f for f in self.files if f.skipped]

    def total(self, attr: str) -> int:
        """Sum of a :class:`FileResult` counter over the files loaded in this run."""
        return sum(getattr(f, attr) for f in self.loaded)

    @property
    def quarantine_sample(self) -> list[dict[str, Any]]:
        """First quarantined rows across files, for the run's metadata."""
        return [row for f in self.loaded for row in f.quarantine_sample][:SAMPLE_SIZE]


def discover(settings: Settings, entity: str) -> list[tuple[Path, SourceMapping]]:
    """Files in the incoming folder for ``entity``, each with the first mapping it matches.

    Sorted by name so that ``sales_2024-01.csv`` loads before ``sales_2024-02.csv``
    (the first loaded row of a key wins).
    """
    incoming = settings.incoming_dir
    if not incoming.exists():
        return []
    chosen: dict[Path, SourceMapping] = {}
    for mapping in settings.patterns_for(entity):
        for path in incoming.glob(mapping.pattern):
            if path.is_file() and path not in chosen:
                chosen[path] = mapping
    return sorted(chosen.items(), key=lambda item: item[0].name)


def ingest_entity(
    warehouse: Warehouse,
    settings: Settings,
    entity: str,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> EntityResult:
    """Load every new file of ``entity`` from the incoming folder."""
    contract = contract_for(entity)
    warehouse.ensure_raw_schema()
    result = EntityResult(entity)
    files = discover(settings, entity)
    if not files and warehouse.row_count("raw", entity) == 0:
        patterns = [m.pattern for m in settings.patterns_for(entity)]
        result.warning = (
            f"{contract.missing_file_note} (looked for {patterns} in {settings.incoming_dir})"
        )
    loaded_at = utc_now()
    for path, mapping in files:
        result.files.append(
            ingest_file(
                warehouse, entity, path, mapping, chunk_rows=chunk_rows, loaded_at=loaded_at
            )
        )
    return result


def ingest_file(
    warehouse: Warehouse,
    entity: str,
    path: Path,
    mapping: SourceMapping | None = None,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    loaded_at: datetime | None = None,
    one_transaction: bool = True,
) -> FileResult:
    """Load one file into ``raw.<entity>`` unless its content was loaded before.

    The file, its quarantine and its ledger entry load in one transaction, so a crash
    half-way leaves nothing behind. ``one_transaction=False`` commits chunk by chunk
    instead, the ledger entry last: only for a scratch warehouse that is thrown away on
    failure (``stockcast forecast-eval``). Why: DuckDB holds a transaction's uncommitted
    rows in memory, outside ``memory_limit``, about 330 bytes per sales row (+2.2 GB for
    5.5M rows, ~11 GB for 33M); chunk commits stay flat (~0.4 GB) at the same speed with
    the default chunk size.

    Raises:
        UnreadableFileError: the file cannot be parsed (nothing is written).
        MissingColumnError: a required or mapped column is missing (nothing is written).
    """
    contract = contract_for(entity)
    mapping = mapping or SourceMapping(entity=entity, pattern=path.name)
    sha = file_sha256(path)
    result = FileResult(file=path.name, sha256=sha)
    if warehouse.file_loaded(sha):
        result.skipped = True
        return result
    loaded_at = loaded_at or utc_now()
    stamp = pd.Timestamp(loaded_at)
    keys = list(contract.keys)
    known = warehouse.known_skus() if "sku" in contract.names and entity != "products" else set()
    chunks = _each_in_session(warehouse, read_chunks(path, mapping.sheet, chunk_rows))
    whole_file = warehouse.session() if one_transaction else contextlib.nullcontext()
    with whole_file, contextlib.closing(chunks):
        plan: MappingPlan | None = None
        poisoned: set[str] = set()
        for chunk in chunks:
            if plan is None:
                plan = MappingPlan.build(path, list(chunk.frame.columns), contract, mapping)
            if chunk.frame.empty:
                continue
            result.rows_read += len(chunk.frame)
            mapped, errors = plan.apply(chunk.frame)
            checked = validate(
                contract,
                mapped,
                source=chunk.frame,
                source_rows=chunk.source_rows,
                source_file=path.name,
                file_sha256=sha,
                known_skus=known,
                mapping_errors=errors,
            )
            quarantine = [checked.quarantine]
            result.duplicates += checked.duplicates
            clean = checked.clean
            if poisoned:
                hit = key_text(clean, keys).isin(poisoned).to_numpy()
                if hit.any():
                    quarantine.append(
                        _conflict_rows(
                            clean[hit],
                            chunk,
                            entity,
                            path.name,
                            sha,
                            keys,
                            CONFLICTING_DUPLICATE,
                            "key repeated with other values earlier in this file",
                        )
                    )
                    clean = clean[~hit]
            clean = clean.assign(_source_file=path.name, _loaded_at=stamp)
            up = warehouse.upsert_raw(entity, clean[[*contract.names, *LINEAGE_COLUMNS]])
            result.rows_loaded += up.inserted
            result.duplicates += up.duplicates
            if len(up.conflicts):
                conflicts = up.conflicts
                same_load = (
                    (conflicts["_existing_file"] == path.name)
                    & (pd.to_datetime(conflicts["_existing_loaded_at"]) == stamp)
                ).to_numpy()
                earlier = conflicts[~same_load]
                if len(earlier):
                    quarantine.append(
                        _conflict_rows(
                            earlier,
                            chunk,
                            entity,
                            path.name,
                            sha,
                            keys,
                            CONFLICTS_WITH_LOADED,
                            None,
                        )
                    )
                inside = conflicts[same_load]
                if len(inside):
                    # The key appeared earlier in this same file (previous chunk) with other
                    # values: as within a chunk, every row of that key is quarantined.
                    quarantine.append(
                        _conflict_rows(
                            inside,
                            chunk,
                            entity,
                            path.name,
                            sha,
                            keys,
                            CONFLICTING_DUPLICATE,
                            "key repeated with other values earlier in this file",
                        )
                    )
                    stored = warehouse.read_table(
                        "raw",
                        entity,
                        where={
                            "_source_file": path.name,
                            "_source_row": [int(r) for r in inside["_existing_row"]],
                        },
                    )
                    stored = stored[pd.to_datetime(stored["_loaded_at"]) == stamp]
                    quarantine.append(_stored_rows(stored, entity, sha, keys))
                    deleted = warehouse.delete_keys("raw", entity, inside[keys])
                    result.rows_loaded -= deleted
                    poisoned |= set(key_text(_typed_keys(inside, keys), keys))
            rows = (
                pd.concat([q for q in quarantine if len(q)], ignore_index=True)
                if any(len(q) for q in quarantine)
                else None
            )
            if rows is not None:
                warehouse.insert_quarantine(rows[QUARANTINE_COLUMNS])
                result.rows_quarantined += len(rows)
                room = SAMPLE_SIZE - len(result.quarantine_sample)
                if room > 0:
                    sample = rows.drop(columns=["record", "file_sha256"]).head(room).astype(object)
                    result.quarantine_sample += sample.where(sample.notna(), None).to_dict(
                        "records"
                    )
        if plan is None:
            raise UnreadableFileError(path, "the file is empty (no header line)")
        warehouse.record_file(
            sha,
            entity,
            path.name,
            result.rows_read,
            result.rows_loaded,
            result.rows_quarantined,
            loaded_at,
        )
    return result


def _each_in_session(warehouse: Warehouse, chunks: Iterator[SourceChunk]) -> Iterator[SourceChunk]:
    """Yield each chunk inside a session: its own transaction, or the file's if one is open.

    The loop body runs while the chunk's session is open, so a chunk's rows and quarantine
    commit together; an error in the body closes the generator (``contextlib.closing``)
    and rolls that chunk back.
    """
    for chunk in chunks:
        with warehouse.session():
            yield chunk


def _typed_keys(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = frame[keys].copy()
    for k in keys:
        if k == "date" or k.endswith("_date"):
            out[k] = pd.to_datetime(out[k])
    return out


def _conflict_rows(
    rows: pd.DataFrame,
    chunk: Any,
    entity: str,
    source_file: str,
    sha: str,
    keys: list[str],
    reason: str,
    note: str | None,
) -> pd.DataFrame:
    """Quarantine rows for new rows whose key clashes; the record is the original line."""
    positions = rows["_source_row"].to_numpy(dtype=np.int64) - chunk.first_row
    if note is None and "_existing_file" in rows:
        values = [
            f"{k} already loaded from {f} row {r}"
            for k, f, r in zip(
                key_text(_typed_keys(rows, keys), keys),
                rows["_existing_file"],
                rows["_existing_row"],
                strict=True,
            )
        ]
    else:
        values = [f"{k}: {note}" for k in key_text(_typed_keys(rows, keys), keys)]
    return pd.DataFrame(
        {
            "entity": entity,
            "source_file": source_file,
            "source_row": rows["_source_row"].to_numpy(dtype=np.int64),
            "column_name": ",".join(keys),
            "value": values,
            "reason": reason,
            "record": records_json(chunk.frame, positions),
            "file_sha256": sha,
        }
    )


def _stored_rows(stored: pd.DataFrame, entity: str, sha: str, keys: list[str]) -> pd.DataFrame:
    """Quarantine rows for already-inserted rows of this file that a later chunk contradicts."""
    body = stored.drop(columns=list(LINEAGE_COLUMNS))
    return pd.DataFrame(
        {
            "entity": entity,
            "source_file": stored["_source_file"].to_numpy(),
            "source_row": stored["_source_row"].to_numpy(dtype=np.int64),
            "column_name": ",".join(keys),
            "value": [
                f"{k}: key repeated with other values later in this file"
                for k in key_text(_typed_keys(stored, keys), keys)
            ],
            "reason": CONFLICTING_DUPLICATE,
            "record": [
                r
                for r in body.to_json(orient="records", lines=True, date_format="iso").splitlines()
            ],
            "file_sha256": sha,
        }
    )
