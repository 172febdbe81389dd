import dagster as dg
import pytest

pytestmark = pytest.mark.unit


def test_definitions_load_with_every_layer() -> None:
    from orchestration.definitions import defs

    repo = defs.get_repository_def()
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    for entity in ("products", "suppliers", "sales", "inventory", "purchase_orders"):
        assert f"raw/{entity}" in keys
    for mart in (
        "dim_products",
        "fct_daily_sales",
        "fct_demand_features",
        "fct_sku_segments",
        "fct_purchase_orders",
        "fct_inventory_snapshots",
        "dim_suppliers",
    ):
        assert f"marts/{mart}" in keys
    groups = {repo.asset_graph.get(k).group_name for k in repo.asset_graph.get_all_asset_keys()}
    assert {"raw", "staging", "intermediate", "marts", "policy"} <= groups


def test_dbt_sources_are_the_raw_assets() -> None:
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    parents = graph.get(dg.AssetKey(["staging", "stg_raw__sales"])).parent_keys
    assert dg.AssetKey(["raw", "sales"]) in parents


def test_dbt_tests_are_asset_checks_on_marts() -> None:
    from orchestration.definitions import defs

    graph = defs.get_repository_def().asset_graph
    check_assets = {key.asset_key for key in graph.asset_check_keys}
    assert dg.AssetKey(["marts", "fct_daily_sales"]) in check_assets
    assert dg.AssetKey(["marts", "dim_products"]) in check_assets


def test_schedule_and_sensor_target_the_refresh_job() -> None:
    from orchestration.definitions import defs

    assert defs.resolve_schedule_def("daily_refresh").job_name == "stockcast_refresh"
    assert defs.resolve_sensor_def("incoming_files_sensor").job_name == "stockcast_refresh"
