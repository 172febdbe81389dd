"""The policy assets on a generated warehouse: DuckDB end to end, and PostgreSQL round trip."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from ml.policy import acknowledge, resolve
from orchestration.defs.policy.assets import (
    MART_RELATIONS,
    alert_notifications,
    policy_assets,
    reorder_alerts,
    reorder_recommendations,
)
from orchestration.resources import StockcastResource
from orchestration.warehouse import Warehouse
from tests.orchestration.policy.conftest import synthetic_forecasts

REC_COLUMNS = {
    "sku",
    "as_of",
    "inventory_position",
    "lead_time_days",
    "safety_stock",
    "reorder_point",
    "order_up_to",
    "suggested_order_qty",
    "method",
    "projected_stockout_date",
}


def _meta(result: dg.ExecuteInProcessResult, name: str) -> dict:
    (mat,) = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey(["policy", name])
    ]
    return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}


def _live(alerts: pd.DataFrame) -> pd.DataFrame:
    return alerts[alerts["status"].isin(["open", "acknowledged"])]


@pytest.mark.unit
def test_asset_keys_groups_and_dbt_deps() -> None:
    specs = {s.key.to_user_string(): s for a in policy_assets for s in a.specs}
    assert set(specs) == {
        "policy/reorder_recommendations",
        "policy/reorder_alerts",
        "policy/alert_notifications",
        "policy/policy_simulation",
    }
    assert {s.group_name for s in specs.values()} == {"policy"}
    deps = {d.asset_key.to_user_string() for d in specs["policy/reorder_recommendations"].deps}
    assert {
        "marts/dim_products",
        "marts/fct_inventory_snapshots",
        "ml/demand_forecasts",
        "ml/backorder_risk",
    } <= deps
    assert MART_RELATIONS["fct_daily_sales"] == ("marts", "fct_daily_sales")


@pytest.mark.integration
@pytest.mark.slow
def test_recommendations_alerts_dedup_and_planner_status(policy_home: Path) -> None:
    (policy_home / "stockcast.yaml").write_text("policy:\n  method: forecast\n")
    wh = Warehouse("duckdb", duckdb_path=policy_home / "warehouse.duckdb")
    forecasts = synthetic_forecasts(wh)
    resource = {"stockcast": StockcastResource(home=str(policy_home))}
    first = dg.materialize([reorder_recommendations, reorder_alerts], resources=resource)
    assert first.success

    recs = wh.read_table("policy", "reorder_recommendations")
    products = wh.read_table(*MART_RELATIONS["dim_products"])
    assert len(recs) == len(products) and recs["sku"].is_unique
    assert set(recs.columns) >= REC_COLUMNS
    assert set(recs["method"]) == {"forecast"}  # every SKU has a complete forecast
    assert (recs["order_up_to"] >= recs["reorder_point"]).all()
    # The latest forecast run is used: as_of equals its forecast_date.
    assert pd.Timestamp(recs["as_of"].iloc[0]) == forecasts["forecast_date"].max()
    meta = _meta(first, "reorder_recommendations")
    assert meta["forecast_date"] == str(forecasts["forecast_date"].max().date())
    assert meta["skus_without_inventory"] == 0

    alerts = wh.read_table("policy", "reorder_alerts")
    assert len(alerts) == _meta(first, "reorder_alerts")["new_alerts"] > 0
    assert not _live(alerts).duplicated(["sku", "alert_type"]).any()

    # A planner acknowledges one alert and dismisses another from the dashboard.
    ack_id, dismissed_id = alerts["alert_id"].iloc[0], alerts["alert_id"].iloc[1]
    edited = acknowledge(alerts, ack_id, "ana", pd.Timestamp("2030-01-01"))
    edited = resolve(edited, dismissed_id, "ben", pd.Timestamp("2030-01-01"))
    wh.write_table(edited, "policy", "reorder_alerts", keys=["alert_id"])

    second = dg.materialize([reorder_recommendations, reorder_alerts], resources=resource)
    assert second.success
    again = wh.read_table("policy", "reorder_alerts").set_index("alert_id")
    assert _meta(second, "reorder_alerts")["new_alerts"] == 0
    assert len(again) == len(alerts)  # same conditions: updated in place, nothing added
    assert again.loc[ack_id, "status"] == "acknowledged"
    assert again.loc[ack_id, "acknowledged_by"] == "ana"
    assert (again.loc[dismissed_id, "status"], again.loc[dismissed_id, "resolved_by"]) == (
        "resolved",
        "ben",
    )

    # Demand collapses (a new forecast run at 1 %): most conditions clear and the system
    # resolves those alerts; the planner's dismissal is still the planner's.
    live_before = len(_live(again))
    synthetic_forecasts(wh, scale=0.01)
    third = dg.materialize([reorder_recommendations, reorder_alerts], resources=resource)
    assert third.success
    final = wh.read_table("policy", "reorder_alerts").set_index("alert_id")
    assert _meta(third, "reorder_alerts")["resolved_this_run"] > 0
    assert len(_live(final)) < live_before
    assert (final.loc[final["resolved_by"] == "system", "status"] == "resolved").all()
    assert final.loc[dismissed_id, "resolved_by"] == "ben"
    assert not _live(final).duplicated(["sku", "alert_type"]).any()


@pytest.mark.integration
@pytest.mark.slow
def test_backorder_risk_and_no_forecasts(policy_home: Path) -> None:
    """Without ml.demand_forecasts the forecast method falls back; ml.backorder_risk alerts."""
    (policy_home / "stockcast.yaml").write_text("policy:\n  method: forecast\n")
    wh = Warehouse("duckdb", duckdb_path=policy_home / "warehouse.duckdb")
    skus = wh.read_table(*MART_RELATIONS["dim_products"], ["sku"])["sku"].head(3).tolist()
    risk = pd.DataFrame(
        {
            "sku": skus * 2,
            "snapshot_date": [pd.Timestamp("2024-01-01")] * 3 + [pd.Timestamp("2024-01-08")] * 3,
            "probability": [0.99] * 3 + [0.9, 0.1, 0.2],
            "risk_band": ["high"] * 3 + ["high", "low", "low"],
        }
    )
    wh.write_table(risk, "ml", "backorder_risk")
    result = dg.materialize(
        [reorder_recommendations, reorder_alerts],
        resources={"stockcast": StockcastResource(home=str(policy_home))},
    )
    assert result.success
    recs = wh.read_table("policy", "reorder_recommendations")
    assert set(recs["method"]) == {"service_level"}
    assert "ml.demand_forecasts" in _meta(result, "reorder_recommendations")["notes"]
    alerts = wh.read_table("policy", "reorder_alerts")
    risky = alerts[alerts["alert_type"] == "high_backorder_risk"]
    assert risky["sku"].tolist() == [skus[0]]  # only the latest snapshot counts


@pytest.mark.integration
@pytest.mark.slow
def test_policy_simulation_asset_writes_summary_and_tradeoff(policy_home: Path) -> None:
    result = dg.materialize(
        [a for a in policy_assets if a.key.path[-1] == "policy_simulation"],
        resources={"stockcast": StockcastResource(home=str(policy_home))},
    )
    assert result.success
    wh = Warehouse("duckdb", duckdb_path=policy_home / "warehouse.duckdb")
    summary = wh.read_table("policy", "policy_simulation")
    assert set(summary["policy"]) == {"fixed_factor", "service_level", "forecast"}
    assert {"all", "smooth"} <= set(summary["segment"])
    overall = summary[summary["segment"] == "all"]
    assert overall["fill_rate"].between(0.5, 1.0).all()
    tradeoff = wh.read_table("policy", "policy_tradeoff")
    for policy, curve in tradeoff.groupby("policy"):
        curve = curve.sort_values("value")
        assert curve["avg_inventory_value"].is_monotonic_increasing, policy
    assert 0.5 < _meta(result, "policy_simulation")["forecast_fill_rate"] <= 1.0


def _copy_marts(src: Warehouse, dst: Warehouse) -> None:
    for schema, table in MART_RELATIONS.values():
        dst.write_table(src.read_table(schema, table), schema, table)


@pytest.mark.postgres
@pytest.mark.integration
def test_policy_round_trip_on_postgres(policy_home: Path, postgres_url: str) -> None:
    """Marts copied onto PostgreSQL; recommendations, alerts (twice) and the outbox there."""
    duck = Warehouse("duckdb", duckdb_path=policy_home / "warehouse.duckdb")
    pg = Warehouse("postgres", postgres_dsn=postgres_url)
    _copy_marts(duck, pg)
    synthetic_forecasts(pg)
    (policy_home / "stockcast.yaml").write_text(
        "policy:\n  method: forecast\n"
        "notifications:\n  enabled: true\n  webhook:\n    url: http://127.0.0.1:9/unused\n"
    )
    resource = {"stockcast": StockcastResource(home=str(policy_home), warehouse_url=postgres_url)}
    assets = [reorder_recommendations, reorder_alerts, alert_notifications]
    first = dg.materialize(assets, resources=resource)
    assert first.success
    alerts = pg.read_table("policy", "reorder_alerts")
    assert len(alerts) > 0 and set(
        pg.read_table("policy", "reorder_recommendations")["method"]
    ) == {"forecast"}
    edited = acknowledge(alerts, alerts["alert_id"].iloc[0], "ana", pd.Timestamp("2030-01-01"))
    pg.write_table(edited, "policy", "reorder_alerts", keys=["alert_id"])
    second = dg.materialize(assets, resources=resource)
    assert second.success
    again = pg.read_table("policy", "reorder_alerts").set_index("alert_id")
    assert len(again) == len(alerts)
    assert again.loc[alerts["alert_id"].iloc[0], "status"] == "acknowledged"
    # Nothing listens on port 9: every send failed, stays pending, and is not duplicated.
    outbox = pg.read_table("policy", "notification_outbox")
    assert outbox["notification_id"].is_unique
    assert outbox["sent_at"].isna().all() and (outbox["attempts"] >= 1).all()
    assert _meta(second, "alert_notifications")["failed"] > 0
