"""dbt models as Dagster assets, with dbt tests as asset checks."""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.defs.dbt.project import DBT_EXECUTABLE, dbt_project
from orchestration.resources import StockcastResource

LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "marts": "marts"}


class StockcastDbtTranslator(DagsterDbtTranslator):
    """Keys models by warehouse schema and groups them by layer.

    ``["marts", "fct_daily_sales"]`` reads like the table it is; sources keep the
    ``meta.dagster.asset_key`` given in ``__sources.yml`` so they join the raw assets.
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        """Prefix models and seeds with their layer (the schema they build into)."""
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return dg.AssetKey([_layer(dbt_resource_props), dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """One Dagster group per dbt layer folder."""
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            return _layer(dbt_resource_props)
        return super().get_group_name(dbt_resource_props)


def _layer(props: Mapping[str, Any]) -> str:
    if props["resource_type"] == "seed":
        return "staging"
    fqn = props.get("fqn", [])
    for part in fqn[1:-1]:
        if part in LAYER_GROUPS:
            return LAYER_GROUPS[part]
    return props.get("config", {}).get("schema") or "marts"


translator = StockcastDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool="warehouse",
)
def stockcast_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, stockcast: StockcastResource
) -> Iterator[Any]:
    """Build (run + test) the selected models on the warehouse the settings name."""
    settings = stockcast.settings()
    settings.export_dbt_env()
    args = ["build", "--target", settings.dbt_target, "--vars", json.dumps(settings.dbt_vars())]
    yield from dbt.cli(args, context=context).stream()


dbt_resource = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
