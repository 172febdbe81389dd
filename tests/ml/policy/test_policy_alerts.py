"""Alert lifecycle: dedup on re-run, system resolution, planner status never overwritten."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.policy import (
    ALERT_COLUMNS,
    PolicyConfig,
    acknowledge,
    alert_conditions,
    build_recommendations,
    make_alert_id,
    resolve,
    update_alerts,
)

pytestmark = pytest.mark.unit

T0 = pd.Timestamp("2026-01-01 06:00")
T1 = pd.Timestamp("2026-01-02 06:00")
T2 = pd.Timestamp("2026-01-03 06:00")
T3 = pd.Timestamp("2026-01-04 06:00")


def cond(*rows: tuple[str, str], qty: float = 10.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": [r[0] for r in rows],
            "alert_type": [r[1] for r in rows],
            "message": [f"{r[1]} for {r[0]}" for r in rows],
            "suggested_order_qty": qty,
            "projected_stockout_date": pd.NaT,
        }
    )


def live(alerts: pd.DataFrame) -> pd.DataFrame:
    return alerts[alerts["status"].isin(["open", "acknowledged"])]


def test_first_run_opens_alerts_with_deterministic_ids() -> None:
    alerts = update_alerts(
        None, cond(("a", "below_reorder_point"), ("a", "stockout_before_replenishment")), T0
    )
    assert list(alerts.columns[: len(ALERT_COLUMNS)]) == ALERT_COLUMNS
    assert alerts["status"].tolist() == ["open", "open"]
    assert alerts.set_index("alert_type")["severity"].to_dict() == {
        "below_reorder_point": "warning",
        "stockout_before_replenishment": "critical",
    }
    assert alerts.loc[0, "alert_id"] == make_alert_id("a", "below_reorder_point", T0)
    again = update_alerts(
        None, cond(("a", "below_reorder_point"), ("a", "stockout_before_replenishment")), T0
    )
    assert again["alert_id"].tolist() == alerts["alert_id"].tolist()


def test_rerun_updates_instead_of_duplicating() -> None:
    first = update_alerts(None, cond(("a", "below_reorder_point"), qty=10.0), T0)
    second = update_alerts(first, cond(("a", "below_reorder_point"), qty=25.0), T1)
    assert len(second) == 1
    row = second.iloc[0]
    assert row["alert_id"] == first.loc[0, "alert_id"]
    assert row["suggested_order_qty"] == 25.0
    assert (row["created_at"], row["updated_at"]) == (T0, T1)
    # An identical re-run changes nothing, not even updated_at.
    third = update_alerts(second, cond(("a", "below_reorder_point"), qty=25.0), T2)
    assert len(third) == 1 and third.loc[0, "updated_at"] == T1


def test_cleared_condition_is_resolved_by_system_and_can_reopen() -> None:
    first = update_alerts(None, cond(("a", "below_reorder_point"), ("b", "excess_stock")), T0)
    second = update_alerts(first, cond(("b", "excess_stock")), T1)
    a = second[second["sku"] == "a"].iloc[0]
    assert (a["status"], a["resolved_by"], a["resolved_at"]) == ("resolved", "system", T1)
    assert second[second["sku"] == "b"].iloc[0]["status"] == "open"
    # The condition comes back: a new alert (new id), the resolved one is kept as history.
    third = update_alerts(second, cond(("a", "below_reorder_point"), ("b", "excess_stock")), T2)
    a_rows = third[third["sku"] == "a"].sort_values("created_at")
    assert a_rows["status"].tolist() == ["resolved", "open"]
    assert a_rows["alert_id"].nunique() == 2


def test_acknowledged_is_kept_while_condition_holds() -> None:
    first = update_alerts(None, cond(("a", "below_reorder_point")), T0)
    acked = acknowledge(first, first.loc[0, "alert_id"], by="maria", now=T0)
    second = update_alerts(acked, cond(("a", "below_reorder_point"), qty=99.0), T1)
    row = second.iloc[0]
    assert len(second) == 1
    assert (row["status"], row["acknowledged_by"]) == ("acknowledged", "maria")
    assert row["suggested_order_qty"] == 99.0  # payload still refreshed
    # Condition clears: the lifecycle moves on to resolved, keeping who acknowledged it.
    third = update_alerts(second, cond(), T2)
    assert (
        third.loc[0, "status"],
        third.loc[0, "resolved_by"],
        third.loc[0, "acknowledged_by"],
    ) == ("resolved", "system", "maria")


def test_planner_resolution_is_never_overwritten_nor_reopened() -> None:
    first = update_alerts(None, cond(("a", "below_reorder_point")), T0)
    dismissed = resolve(first, first.loc[0, "alert_id"], by="maria", now=T0)
    # Condition still holds on the next runs: no new alert, planner's row untouched.
    second = update_alerts(dismissed, cond(("a", "below_reorder_point"), qty=50.0), T1)
    third = update_alerts(second, cond(("a", "below_reorder_point"), qty=60.0), T2)
    assert len(third) == 1
    row = third.iloc[0]
    assert (row["status"], row["resolved_by"], row["resolved_at"]) == ("resolved", "maria", T0)
    assert row["suggested_order_qty"] == 10.0
    # Once the condition clears and comes back, it is a new event: a new alert opens.
    fourth = update_alerts(update_alerts(third, cond(), T2), cond(("a", "below_reorder_point")), T3)
    assert fourth.sort_values("created_at")["status"].tolist() == ["resolved", "open"]
    assert fourth.sort_values("created_at").iloc[0]["resolved_by"] == "maria"


def test_planner_actions_need_a_name_and_only_touch_live_alerts() -> None:
    first = update_alerts(None, cond(("a", "below_reorder_point")), T0)
    with pytest.raises(ValueError):
        acknowledge(first, first.loc[0, "alert_id"], by="system", now=T0)
    gone = update_alerts(first, cond(), T1)
    assert (
        acknowledge(gone, gone.loc[0, "alert_id"], by="maria", now=T2).loc[0, "status"]
        == "resolved"
    )


def test_unknown_alert_type_rejected() -> None:
    with pytest.raises(ValueError, match="unknown alert type"):
        update_alerts(None, cond(("a", "on_fire")), T0)


def test_conditions_from_recommendations() -> None:
    items = pd.DataFrame(
        {
            "sku": ["low", "fine", "excess", "risky"],
            "avg_daily_demand": [10.0, 10.0, 1.0, 10.0],
            "demand_std": [3.0, 3.0, 1.0, 3.0],
            "lead_time_mean": [10.0, 10.0, 10.0, 10.0],
            "on_hand": [20.0, 300.0, 500.0, 300.0],
            "backorder_risk": [0.1, 0.1, 0.0, 0.9],
        }
    )
    recs = build_recommendations(items, PolicyConfig(review_period_days=7), as_of="2026-01-01")
    found = alert_conditions(recs, PolicyConfig(excess_stock_days=60))
    got = set(zip(found["sku"], found["alert_type"], strict=True))
    # low: IP 20 < s (~ 10 * 17 + SS); cumulative demand 10, 20, 30 first exceeds 20 on the
    # 3rd day (Jan 4), before an order placed Jan 1 arrives (Jan 11).
    # excess: 500 > S (~ 17 + SS) + 60 days * 1. risky: backorder risk 0.9 >= 0.5.
    assert got == {
        ("low", "below_reorder_point"),
        ("low", "stockout_before_replenishment"),
        ("excess", "excess_stock"),
        ("risky", "high_backorder_risk"),
    }
    stockout = found[found["alert_type"] == "stockout_before_replenishment"].iloc[0]
    assert stockout["severity"] == "critical"
    assert stockout["projected_stockout_date"] == pd.Timestamp("2026-01-04")


def test_timezone_aware_rows_from_a_database_are_accepted() -> None:
    first = update_alerts(None, cond(("a", "below_reorder_point")), T0)
    stored = first.assign(
        created_at=first["created_at"].dt.tz_localize("UTC"),
        updated_at=first["updated_at"].dt.tz_localize("UTC"),
    )
    second = update_alerts(
        stored,
        cond(("a", "below_reorder_point")),
        pd.Timestamp("2026-01-02 07:00", tz="Europe/Berlin"),
    )
    assert len(second) == 1 and second.loc[0, "created_at"] == T0
    gone = update_alerts(stored, cond(), pd.Timestamp("2026-01-02 07:00", tz="Europe/Berlin"))
    assert gone.loc[0, "resolved_at"] == T1  # 07:00 Berlin = 06:00 UTC
