"""Starts a refresh as soon as a new or changed file lands in the incoming folder.

The cursor is the folder's fingerprint (name -> [size, mtime_ns]) as JSON, so a tick can
tell which files changed since the last one. Only those are hashed, and a run is
requested only if some content is not in the ingestion ledger yet: the files
``stockcast run`` just loaded, or a file touched but not edited, cost no refresh.
"""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from orchestration.defs.pipeline.jobs import refresh_job
from orchestration.ingestion import file_sha256
from orchestration.settings import ENTITIES, Settings, get_settings
from orchestration.warehouse import Warehouse

Fingerprint = dict[str, list[int]]
"""File name -> [size in bytes, mtime in ns] of the incoming files a raw asset would read."""


def incoming_fingerprint(settings: Settings | None = None) -> Fingerprint:
    """Name -> (size, mtime_ns) of every file in the incoming folder a raw asset would read.

    Size and mtime are enough to notice a new drop cheaply on every tick; contents are
    hashed only for the files whose entry changed (see :func:`incoming_files_sensor`).
    """
    settings = settings or get_settings()
    found: Fingerprint = {}
    if not settings.incoming_dir.exists():
        return found
    for entity in ENTITIES:
        for mapping in settings.patterns_for(entity):
            for path in settings.incoming_dir.glob(mapping.pattern):
                if path.is_file():
                    stat = path.stat()
                    found[path.name] = [stat.st_size, stat.st_mtime_ns]
    return found


def parse_cursor(cursor: str | None) -> Fingerprint:
    """The fingerprint a cursor holds; empty for no cursor or one from an older version.

    Older versions stored a bare sha256 of the fingerprint, which cannot say which files
    changed: treating it as "nothing seen" costs one round of hashing, never a missed file.
    """
    if not cursor:
        return {}
    try:
        data = json.loads(cursor)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {
        str(name): list(entry)
        for name, entry in data.items()
        if isinstance(entry, list) and len(entry) == 2 and all(type(v) is int for v in entry)
    }


def changed_files(previous: Fingerprint, current: Fingerprint) -> list[str]:
    """Names that are new in ``current`` or whose size or mtime differ from ``previous``.

    Removed files are not listed: a removal leaves nothing to load (raw rows stay).
    """
    return sorted(name for name, entry in current.items() if previous.get(name) != entry)


def _state_key(files: Fingerprint) -> str:
    """Stable run key for one state of the folder (the same state never runs twice)."""
    return hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()


def _unloaded(settings: Settings, names: list[str]) -> tuple[list[str], str | None]:
    """Which changed files hold content the ledger lacks, or why that cannot be known.

    Returns ``(names not loaded, None)``, or ``(names, reason)`` when a file or the
    warehouse cannot be read: then every changed file counts as new and the caller
    requests a run, which is safe because ingestion skips content it has loaded.
    """
    try:
        hashes = {name: file_sha256(settings.incoming_dir / name) for name in names}
    except OSError as exc:
        return names, f"could not hash a changed file ({exc})"
    try:
        loaded = Warehouse.from_settings(settings).loaded_hashes_read_only(hashes.values())
    except Exception as exc:  # any driver error: locked, missing, no ledger, unreachable
        first_line = (str(exc).strip().splitlines() or [""])[0]
        return names, f"could not read the ledger ({type(exc).__name__}: {first_line})"
    return [name for name in names if hashes[name] not in loaded], None


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Refresh when files in $STOCKCAST_HOME/incoming change and hold content not loaded yet."
    ),
)
def incoming_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request one run per state of the incoming folder that brings content not yet loaded.

    Why not a run per change: right after ``stockcast run`` (the demo) or after a file is
    touched but not edited, a refresh would re-read files ingestion then skips, and spend
    minutes on dbt and forecasts for nothing. The ledger is read read-only; when it
    cannot be read the sensor requests the run as it always did, since ingestion is
    idempotent, and logs why.
    """
    settings = get_settings()
    files = incoming_fingerprint(settings)
    if not files:
        return dg.SensorResult(skip_reason="no raw files in the incoming folder")
    previous = parse_cursor(context.cursor)
    if files == previous:
        return dg.SensorResult(skip_reason="incoming folder unchanged")
    cursor = json.dumps(files, sort_keys=True)
    changed = changed_files(previous, files)
    if not changed:
        return dg.SensorResult(
            skip_reason="only removals in the incoming folder, nothing to load", cursor=cursor
        )
    new, why_unknown = _unloaded(settings, changed)
    if why_unknown:
        context.log.info(
            f"{len(changed)} changed file(s); requesting a refresh as ingestion will skip "
            f"what it has loaded, because the sensor {why_unknown}"
        )
    elif not new:
        return dg.SensorResult(
            skip_reason=f"{len(changed)} changed file(s) already loaded", cursor=cursor
        )
    else:
        shown = ", ".join(new[:5]) + (", ..." if len(new) > 5 else "")
        context.log.info(
            f"{len(changed)} changed file(s), {len(new)} with content not loaded yet: {shown}"
        )
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=_state_key(files), tags={"stockcast/trigger": "incoming"})
        ],
        cursor=cursor,
    )
