"""The whole-pipeline job that schedules, sensors and ``stockcast run`` launch."""

import dagster as dg

REFRESH_JOB_NAME = "stockcast_refresh"

refresh_job = dg.define_asset_job(
    name=REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Ingest new files, rebuild the dbt marts and everything downstream of them.",
)
