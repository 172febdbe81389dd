"""The stockcast code location: gathers each domain's definitions, nothing more."""

import dagster as dg

from orchestration.defs.backorder.assets import backorder_assets
from orchestration.defs.dbt.assets import dbt_resource, stockcast_dbt_models
from orchestration.defs.forecasting import forecasting_assets
from orchestration.defs.ingestion.assets import ingestion_assets
from orchestration.defs.ingestion.checks import ingestion_checks
from orchestration.defs.pipeline.jobs import refresh_job
from orchestration.defs.pipeline.schedules import daily_refresh_schedule
from orchestration.defs.pipeline.sensors import incoming_files_sensor
from orchestration.defs.policy import policy_assets
from orchestration.defs.quality import quality_checks
from orchestration.resources import StockcastResource

defs = dg.Definitions(
    assets=[
        *ingestion_assets,
        stockcast_dbt_models,
        *forecasting_assets,
        *backorder_assets,
        *policy_assets,
    ],
    asset_checks=[*ingestion_checks, *quality_checks],
    jobs=[refresh_job],
    schedules=[daily_refresh_schedule],
    sensors=[incoming_files_sensor],
    resources={"stockcast": StockcastResource(), "dbt": dbt_resource},
)
