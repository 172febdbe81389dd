"""Policy assets: reorder recommendations, alerts, their notifications, and the replay.

Thin by design: frames are read through the warehouse (:mod:`.inputs`, :mod:`.simulation`),
the decisions are :mod:`ml.policy`'s, sending is :mod:`orchestration.notify`'s; each asset
writes its table and reports what a planner wants to see in the Dagster UI.
"""

from typing import Any

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from ml.policy import (
    PolicyConfig,
    alert_conditions,
    build_recommendations,
    plan_notifications,
    rank_purchase_suggestions,
    update_alerts,
)
from orchestration.defs.dbt.assets import stockcast_dbt_models
from orchestration.defs.policy.inputs import (
    FORECAST_TABLE,
    RISK_TABLE,
    assemble_items,
    finish_recommendations,
    load_policy_inputs,
)
from orchestration.defs.policy.simulation import (
    load_simulation_frames,
    prepare_simulation,
    run_policy_simulation,
)
from orchestration.notify import NotificationConfig, build_channels, deliver
from orchestration.resources import StockcastResource
from orchestration.warehouse import utc_now

MART_MODELS = (
    "dim_products",
    "dim_suppliers",
    "fct_inventory_snapshots",
    "fct_purchase_orders",
    "fct_sku_segments",
    "fct_daily_sales",
)
MART_KEYS = {m: get_asset_key_for_model([stockcast_dbt_models], m) for m in MART_MODELS}
MART_RELATIONS = {m: (k.path[-2], k.path[-1]) for m, k in MART_KEYS.items()}
"""dbt model -> (schema, table), read off the model's asset key (schema, model)."""

FORECASTS_KEY = dg.AssetKey(list(FORECAST_TABLE))
BACKORDER_RISK_KEY = dg.AssetKey(list(RISK_TABLE))
RECOMMENDATIONS = ("policy", "reorder_recommendations")
ALERTS = ("policy", "reorder_alerts")
OUTBOX = ("policy", "notification_outbox")
SIMULATION = ("policy", "policy_simulation")
TRADEOFF = ("policy", "policy_tradeoff")

SIM_HOLDOUT_DAYS = 90
SIM_HISTORY_DAYS = 182


def _md_table(frame: pd.DataFrame, limit: int = 10) -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md("_none_")
    return dg.MetadataValue.md(frame.head(limit).to_markdown(index=False, floatfmt=".1f"))


def _config(stockcast: StockcastResource) -> PolicyConfig:
    return PolicyConfig.from_mapping(stockcast.settings().section("policy"))


@dg.asset(
    key=dg.AssetKey(list(RECOMMENDATIONS)),
    group_name="policy",
    deps=[*MART_KEYS.values(), FORECASTS_KEY, BACKORDER_RISK_KEY],
    kinds={"python"},
    pool="warehouse",
    description=(
        "One reorder recommendation per SKU at the last day with sales: inventory position, "
        "lead time, safety stock, reorder point, order-up-to level, suggested order quantity, "
        "method and projected stockout date (ml.policy.build_recommendations)."
    ),
)
def reorder_recommendations(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Recommendations from the marts, the latest forecast run and backorder risk."""
    wh = stockcast.warehouse()
    config = _config(stockcast)
    inputs = load_policy_inputs(wh, MART_RELATIONS)
    items = assemble_items(inputs, config)
    recs = build_recommendations(items, config, inputs.forecasts, as_of=inputs.as_of)
    recs = finish_recommendations(recs, items)
    written = wh.write_table(recs, *RECOMMENDATIONS, keys=["sku"])

    no_stock = int((recs["inventory_source"] == "none").sum())
    stale = int(((inputs.as_of - recs["snapshot_date"]).dt.days > 7).sum())
    notes = []
    if inputs.forecasts is None:
        notes.append("no ml.demand_forecasts table: forecast-method SKUs used service_level")
    if no_stock:
        notes.append(
            f"{no_stock} SKU(s) without inventory snapshots (sales-only data): policy "
            "levels computed, inventory position and order quantity left empty"
        )
        context.log.warning(notes[-1])
    suggestions = rank_purchase_suggestions(recs)
    meta: dict[str, Any] = {
        "dagster/row_count": written,
        "as_of": str(inputs.as_of.date()),
        "forecast_date": str(inputs.forecast_date.date()) if inputs.forecast_date else "none",
        "methods": dg.MetadataValue.json(recs["method"].value_counts().to_dict()),
        "lead_time_sources": dg.MetadataValue.json(
            recs["lead_time_source"].value_counts().to_dict()
        ),
        "skus_to_order": int((recs["suggested_order_qty"] > 0).sum()),
        "order_value": float(recs["order_value"].sum(skipna=True)),
        "skus_without_inventory": no_stock,
        "stale_snapshots": stale,
        "stockouts_projected": int(recs["projected_stockout_date"].notna().sum()),
        "top_purchase_suggestions": _md_table(
            suggestions[
                [
                    "rank",
                    "sku",
                    "supplier_id",
                    "suggested_order_qty",
                    "order_value",
                    "expected_lost_revenue",
                    "projected_stockout_date",
                ]
            ]
        ),
    }
    if notes:
        meta["notes"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in notes))
    return dg.MaterializeResult(metadata=meta)


@dg.asset(
    key=dg.AssetKey(list(ALERTS)),
    group_name="policy",
    deps=[reorder_recommendations],
    kinds={"python"},
    pool="warehouse",
    description=(
        "Reorder alerts (below reorder point, stockout before replenishment, high backorder "
        "risk, excess stock) with lifecycle open -> acknowledged -> resolved; re-runs update "
        "or resolve the live alert of a SKU and type, never a planner's status."
    ),
)
def reorder_alerts(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Apply this run's alert conditions to the stored alert table."""
    wh = stockcast.warehouse()
    config = _config(stockcast)
    now = pd.Timestamp(utc_now())
    with wh.session():  # read and rewrite in one transaction: planner edits are not lost
        recs = wh.read_table(*RECOMMENDATIONS)
        existing = wh.read_table(*ALERTS) if wh.table_exists(*ALERTS) else None
        conditions = alert_conditions(recs, config)
        alerts = update_alerts(existing, conditions, now)
        written = wh.write_table(alerts, *ALERTS, keys=["alert_id"])
    live = alerts[alerts["status"].isin(["open", "acknowledged"])]
    created = int((alerts["created_at"] == now).sum())
    resolved = int(((alerts["resolved_at"] == now) & (alerts["resolved_by"] == "system")).sum())
    context.log.info(f"{created} new alert(s), {resolved} resolved, {len(live)} live")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": written,
            "live_alerts": len(live),
            "new_alerts": created,
            "resolved_this_run": resolved,
            "live_by_type": dg.MetadataValue.json(live["alert_type"].value_counts().to_dict()),
            "live_by_severity": dg.MetadataValue.json(live["severity"].value_counts().to_dict()),
            "backorder_risk_available": bool(recs["backorder_risk"].notna().any()),
            "critical": _md_table(
                live[live["severity"] == "critical"][
                    ["sku", "alert_type", "status", "message", "suggested_order_qty"]
                ]
            ),
        }
    )


@dg.asset(
    key=dg.AssetKey(["policy", "alert_notifications"]),
    group_name="policy",
    deps=[reorder_alerts],
    kinds={"python", "email"},
    pool="warehouse",
    description=(
        "Notifies each alert state change once per channel (email digest, Slack-compatible "
        "webhook) through the outbox policy.notification_outbox; failed sends are retried on "
        "the next run, sent ones never repeated. Off unless notifications.enabled."
    ),
)
def alert_notifications(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Queue new alert states in the outbox, send what is pending, record each outcome."""
    settings = stockcast.settings()
    wh = stockcast.warehouse()
    notify = NotificationConfig.from_settings(settings)
    channels = build_channels(notify)
    if not channels:
        return dg.MaterializeResult(
            metadata={"enabled": False, "sent": 0, "failed": 0, "pending": 0}
        )
    now = pd.Timestamp(utc_now())
    alerts = wh.read_table(*ALERTS)
    outbox = wh.read_table(*OUTBOX) if wh.table_exists(*OUTBOX) else None
    outbox = plan_notifications(alerts, outbox, list(channels), now, notify.min_severity)
    # The plan is stored before sending, so a crash mid-send cannot forget what was due.
    wh.write_table(outbox, *OUTBOX, keys=["notification_id"])
    outbox, report = deliver(outbox, channels, now, notify.max_attempts)
    wh.write_table(outbox, *OUTBOX, keys=["notification_id"])
    for name, error in report.errors.items():
        context.log.warning(f"{name}: {report.failed[name]} notification(s) failed: {error}")
    pending = int(outbox["sent_at"].isna().sum())
    return dg.MaterializeResult(
        metadata={
            "enabled": True,
            "channels": dg.MetadataValue.json(list(channels)),
            "sent": report.total_sent,
            "failed": report.total_failed,
            "sent_by_channel": dg.MetadataValue.json(report.sent),
            "failed_by_channel": dg.MetadataValue.json(report.failed),
            "pending": pending,
            "gave_up": report.gave_up,
            "dagster/row_count": len(outbox),
        }
    )


@dg.asset(
    key=dg.AssetKey(list(SIMULATION)),
    group_name="policy",
    deps=[
        MART_KEYS["fct_daily_sales"],
        MART_KEYS["dim_products"],
        MART_KEYS["dim_suppliers"],
        MART_KEYS["fct_purchase_orders"],
    ],
    kinds={"python"},
    pool="warehouse",
    description=(
        f"Replays the last {SIM_HOLDOUT_DAYS} days under the fixed-factor, service-level and "
        "forecast-distribution policies (ml.policy.simulate_policy): fill rate, cycle service "
        "level, stockout days, average inventory value, orders, overall and per demand class; "
        "the inventory/fill-rate trade-off sweep goes to policy.policy_tradeoff."
    ),
)
def policy_simulation(
    context: dg.AssetExecutionContext, stockcast: StockcastResource
) -> dg.MaterializeResult:
    """Replay the held-out period and store the summary and trade-off tables."""
    wh = stockcast.warehouse()
    config = _config(stockcast)
    frames = load_simulation_frames(wh, MART_RELATIONS, SIM_HOLDOUT_DAYS, SIM_HISTORY_DAYS)
    setup = prepare_simulation(
        **frames,
        holdout_days=SIM_HOLDOUT_DAYS,
        history_days=SIM_HISTORY_DAYS,
        min_receipts=config.min_receipts,
    )
    if len(setup.skus) == 0:
        # Too little history for a fair replay (every SKU needs history before the held-out
        # period): say so instead of failing the run, and keep the last tables as they are.
        reason = (
            f"no SKU has {SIM_HISTORY_DAYS} days of history before the last "
            f"{SIM_HOLDOUT_DAYS} days; nothing to replay"
        )
        context.log.warning(reason)
        return dg.MaterializeResult(
            metadata={"skus": 0, "skipped": reason, "notes": "\n".join(setup.notes)}
        )
    report = run_policy_simulation(
        setup,
        service_level=config.default_service_level,
        safety_factor=config.safety_factor,
        review_period_days=max(config.review_period_days, 1),
    )
    stamp = {
        "period_start": report.info["period_start"],
        "period_end": report.info["period_end"],
        "target_service_level": report.info["target_service_level"],
        "forecaster": report.info["forecaster"],
    }
    written = wh.write_table(
        report.summary.assign(**stamp), *SIMULATION, keys=["policy", "segment"]
    )
    wh.write_table(
        report.tradeoff.assign(**stamp), *TRADEOFF, keys=["policy", "parameter", "value"]
    )
    for note in setup.notes:
        context.log.info(note)
    overall = report.summary[report.summary["segment"] == "all"].set_index("policy")
    meta: dict[str, Any] = {
        "dagster/row_count": written,
        "skus": report.info["skus"],
        "period": f"{stamp['period_start']} .. {stamp['period_end']}",
        "forecaster": report.info["forecaster"],
        "overall": _md_table(
            overall.reset_index()[
                [
                    "policy",
                    "fill_rate",
                    "cycle_service_level",
                    "stockout_days",
                    "avg_inventory_value",
                    "orders",
                ]
            ]
        ),
        "equal_inventory_vs_fixed_factor": dg.MetadataValue.json(
            report.info["equal_inventory_vs_fixed_factor"]
        ),
    }
    for policy, row in overall.iterrows():
        meta[f"{policy}_fill_rate"] = float(row["fill_rate"])
    return dg.MaterializeResult(metadata=meta)


policy_assets = [reorder_recommendations, reorder_alerts, alert_notifications, policy_simulation]
