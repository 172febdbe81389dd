"""Notification outbox: one per state change and channel, retried, never duplicated."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.policy import (
    acknowledge,
    pending_notifications,
    plan_notifications,
    record_attempts,
    update_alerts,
)

pytestmark = pytest.mark.unit

T0 = pd.Timestamp("2026-01-01 06:00")
T1 = pd.Timestamp("2026-01-02 06:00")


def alerts_one_open() -> pd.DataFrame:
    cond = pd.DataFrame(
        {
            "sku": ["a", "b"],
            "alert_type": ["below_reorder_point", "excess_stock"],
            "message": ["low", "too much"],
        }
    )
    return update_alerts(None, cond, T0)


def test_one_notification_per_state_and_channel() -> None:
    alerts = alerts_one_open()
    box = plan_notifications(alerts, None, ["email", "webhook"], T0)
    # excess_stock is "info", below the default warning floor: only alert a is notified.
    assert len(box) == 2 and set(box["channel"]) == {"email", "webhook"}
    assert (box["state"] == "open").all() and (box["attempts"] == 0).all()
    # Re-planning the same states adds nothing.
    assert len(plan_notifications(alerts, box, ["email", "webhook"], T1)) == 2
    # A state change (acknowledged) adds one per channel.
    acked = acknowledge(alerts, alerts.loc[0, "alert_id"], by="maria", now=T1)
    box2 = plan_notifications(acked, box, ["email", "webhook"], T1)
    assert len(box2) == 4
    assert box2["state"].value_counts().to_dict() == {"open": 2, "acknowledged": 2}


def test_failed_send_is_retried_and_success_never_resent() -> None:
    box = plan_notifications(alerts_one_open(), None, ["email", "webhook"], T0)
    email, hook = box["notification_id"].tolist()
    box = record_attempts(box, {email: None, hook: "timeout"}, T0)
    pending = pending_notifications(box)
    assert pending["notification_id"].tolist() == [hook]
    assert box.set_index("notification_id").loc[hook, "last_error"] == "timeout"
    # A late duplicate report for the sent email does not count as another send.
    box = record_attempts(box, {email: None, hook: None}, T1)
    rows = box.set_index("notification_id")
    assert rows.loc[email, "attempts"] == 1 and rows.loc[email, "sent_at"] == T0
    assert rows.loc[hook, "attempts"] == 2 and rows.loc[hook, "sent_at"] == T1
    assert pd.isna(rows.loc[hook, "last_error"])
    assert pending_notifications(box).empty


def test_gives_up_after_max_attempts() -> None:
    box = plan_notifications(alerts_one_open(), None, ["email"], T0)
    nid = box.loc[0, "notification_id"]
    for _ in range(3):
        box = record_attempts(box, {nid: "smtp down"}, T0)
    assert pending_notifications(box, max_attempts=3).empty
    assert len(pending_notifications(box, max_attempts=4)) == 1
