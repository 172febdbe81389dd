"""The whole-pipeline job that schedules, sensors and ``stockcast run`` launch."""

import dagster as dg

from orchestration.defs.forecasting import forecasting_assets

REFRESH_JOB_NAME = "stockcast_refresh"

refresh_job = dg.define_asset_job(
    name=REFRESH_JOB_NAME,
    # The SKU-sharded forecasting assets cannot share an unpartitioned job: the daemon
    # runs every shard after the marts refresh (AutomationCondition.eager), and
    # `stockcast run` runs them as a stage of their own.
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(*forecasting_assets),
    description="Ingest new files, rebuild the dbt marts and everything downstream of them.",
)
