"""The pieces chained as the policy assets will chain them, on a tiny hand-made case."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.policy import (
    PolicyConfig,
    abc_classes,
    alert_conditions,
    build_recommendations,
    demand_stats,
    lead_time_stats,
    plan_notifications,
    rank_purchase_suggestions,
    supplier_summary,
    update_alerts,
)

pytestmark = pytest.mark.unit

AS_OF = pd.Timestamp("2026-03-31")


def test_sales_and_orders_to_alerts_and_outbox() -> None:
    days = pd.date_range(end=AS_OF, periods=28)
    sales = pd.concat(
        [
            pd.DataFrame({"sku": "fast", "date": days, "quantity": 20.0}),
            pd.DataFrame({"sku": "slow", "date": days[::7], "quantity": 7.0}),
        ]
    )
    orders = pd.DataFrame(
        {
            "sku": ["fast"] * 3,
            "supplier_id": ["V1"] * 3,
            "order_date": pd.to_datetime(["2026-01-01", "2026-02-01", "2026-03-01"]),
            "received_date": pd.to_datetime(["2026-01-06", "2026-02-08", "2026-03-07"]),
            "quantity": [100.0, 100.0, 100.0],
            "received_quantity": [100.0, 100.0, 100.0],
            "expected_date": pd.to_datetime(["2026-01-06", "2026-02-06", "2026-03-06"]),
        }
    )
    products = pd.DataFrame(
        {
            "sku": ["fast", "slow"],
            "supplier_id": ["V1", "V2"],
            "unit_cost": [2.0, 10.0],
            "unit_price": [5.0, 25.0],
            "pack_size": [10.0, 1.0],
            "category": ["dry", "dry"],
        }
    )
    suppliers = pd.DataFrame(
        {
            "supplier_id": ["V1", "V2"],
            "lead_time_days": [4.0, 10.0],
            "min_order_qty": [50.0, 0.0],
            "lead_time_std_days": [1.0, 2.0],
        }
    )
    inventory = pd.DataFrame(
        {
            "sku": ["fast", "slow"],
            "on_hand": [30.0, 100.0],
            "on_order": [0.0, 0.0],
            "backordered": [0.0, 0.0],
        }
    )

    stats = demand_stats(sales, AS_OF, window_days=28)
    lead = lead_time_stats(orders, products[["sku", "supplier_id"]], suppliers, min_receipts=3)
    # fast: lead times 5, 7, 6 -> mean 6 from its own receipts; slow: V2's stated 10 +- 2.
    assert lead.set_index("sku")["lead_time_source"].to_dict() == {
        "fast": "sku_supplier",
        "slow": "stated",
    }
    items = (
        products.merge(stats, on="sku")
        .merge(lead, on=["sku", "supplier_id"])
        .merge(inventory, on="sku")
        .merge(suppliers[["supplier_id", "min_order_qty"]], on="supplier_id")
    )
    items["abc_class"] = abc_classes(items["avg_daily_demand"] * items["unit_price"]).to_numpy()
    recs = build_recommendations(items, PolicyConfig(review_period_days=7), as_of=AS_OF)
    fast = recs.set_index("sku").loc["fast"]
    # fast: 20/day, no variability, L = 6 with std 1 -> s = 20 * 13 + z * 20 * 1
    assert fast["abc_class"] == "A" and fast["service_level"] == 0.98
    assert fast["reorder_point"] == pytest.approx(20 * 13 + 2.053749 * 20, abs=1e-3)
    # IP 30 -> raw 271.07 -> MOQ 50 -> 28 packs of 10 = 280
    assert fast["suggested_order_qty"] == 280.0
    assert fast["projected_stockout_date"] == pd.Timestamp("2026-04-02")

    lines = rank_purchase_suggestions(recs, budget=1000.0)
    assert lines.loc[0, "sku"] == "fast"
    assert supplier_summary(lines).loc[0, "supplier_id"] == "V1"
    alerts = update_alerts(None, alert_conditions(recs), AS_OF + pd.Timedelta(hours=6))
    assert {"below_reorder_point", "stockout_before_replenishment"} <= set(
        alerts.loc[alerts["sku"] == "fast", "alert_type"]
    )
    outbox = plan_notifications(alerts, None, ["email"], AS_OF)
    assert set(outbox["alert_id"]) == set(alerts.loc[alerts["severity"] != "info", "alert_id"])


def test_missing_lead_time_falls_back_to_default() -> None:
    items = pd.DataFrame(
        {
            "sku": ["x"],
            "avg_daily_demand": [1.0],
            "demand_std": [0.0],
            "lead_time_mean": [float("nan")],
            "on_hand": [0.0],
        }
    )
    rec = build_recommendations(items, PolicyConfig(review_period_days=0), as_of=AS_OF).iloc[0]
    # 14 days +- 3.5: s = 14 + z(0.95) * sqrt(0 + 1 * 3.5^2) = 14 + 1.644854 * 3.5 = 19.757
    assert rec["lead_time_mean"] == 14.0
    assert rec["reorder_point"] == pytest.approx(19.757, abs=1e-3)


def test_stockout_date_follows_expected_demand_not_the_median():
    """A SKU selling on a third of its days has p50 = 0: the median path never runs out,
    the mean path (0.5/day) first exceeds the 5 units on hand on day 11."""
    as_of = pd.Timestamp("2026-03-01")
    dates = pd.date_range(as_of + pd.Timedelta(days=1), periods=28)
    forecasts = pd.DataFrame(
        {"sku": "sparse", "date": dates, "p10": 0.0, "p50": 0.0, "p90": 2.0, "p99": 4.0}
    )
    items = pd.DataFrame(
        {
            "sku": ["sparse"],
            "avg_daily_demand": [0.5],
            "demand_std": [0.9],
            "lead_time_mean": [5.0],
            "on_hand": [5.0],
        }
    )
    median_only = build_recommendations(items, forecasts=forecasts, as_of=as_of)
    assert pd.isna(median_only.loc[0, "projected_stockout_date"])
    with_mean = build_recommendations(items, forecasts=forecasts.assign(mean=0.5), as_of=as_of)
    assert with_mean.loc[0, "projected_stockout_date"] == as_of + pd.Timedelta(days=11)
    # Quantile-based quantities do not depend on the mean column.
    for col in ("reorder_point", "safety_stock", "suggested_order_qty"):
        assert with_mean.loc[0, col] == pytest.approx(median_only.loc[0, col])
