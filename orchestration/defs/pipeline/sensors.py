"""Starts a refresh as soon as a new or changed file lands in the incoming folder."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from orchestration.defs.pipeline.jobs import refresh_job
from orchestration.settings import ENTITIES, get_settings


def incoming_fingerprint() -> dict[str, list[int]]:
    """Name -> (size, mtime_ns) of every file in the incoming folder a raw asset would read.

    Size and mtime are enough to notice a new drop; the raw assets themselves hash
    file contents, so a touched-but-unchanged file costs one no-op run, not duplicates.
    """
    settings = get_settings()
    found: dict[str, list[int]] = {}
    if not settings.incoming_dir.exists():
        return found
    for entity in ENTITIES:
        for mapping in settings.patterns_for(entity):
            for path in settings.incoming_dir.glob(mapping.pattern):
                if path.is_file():
                    stat = path.stat()
                    found[path.name] = [stat.st_size, stat.st_mtime_ns]
    return found


@dg.sensor(
    job=refresh_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Refresh when files in $STOCKCAST_HOME/incoming change.",
)
def incoming_files_sensor(context: dg.SensorEvaluationContext) -> dg.SensorResult:
    """Request one run per distinct state of the incoming folder."""
    files = incoming_fingerprint()
    if not files:
        return dg.SensorResult(skip_reason="no raw files in the incoming folder")
    state = hashlib.sha256(json.dumps(files, sort_keys=True).encode()).hexdigest()
    if state == context.cursor:
        return dg.SensorResult(skip_reason="incoming folder unchanged")
    context.log.info(f"incoming folder changed: {len(files)} file(s)")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=state, tags={"stockcast/trigger": "incoming"})],
        cursor=state,
    )
