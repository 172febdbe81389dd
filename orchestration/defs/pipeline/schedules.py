"""Keeps the warehouse fresh without anyone asking: a daily refresh."""

import dagster as dg

from orchestration.defs.pipeline.jobs import refresh_job

daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh",
    job=refresh_job,
    cron_schedule="0 5 * * *",
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Rebuild everything at 05:00 UTC, after nightly ERP exports land.",
)
