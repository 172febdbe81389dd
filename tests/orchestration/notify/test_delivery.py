"""alert_notifications across runs: one message per alert state, retried until sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest

from ml.policy import acknowledge, update_alerts
from orchestration.defs.policy.assets import alert_notifications
from orchestration.resources import StockcastResource
from orchestration.warehouse import Warehouse

pytestmark = pytest.mark.integration


def _conditions() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": ["A", "B", "C"],
            "alert_type": ["stockout_before_replenishment", "below_reorder_point", "excess_stock"],
            "message": ["Projected stockout on 2024-01-05", "Position 3 below 9", "Too much"],
            "suggested_order_qty": [10.0, 5.0, 0.0],
            "projected_stockout_date": [pd.Timestamp("2024-01-05"), pd.NaT, pd.NaT],
        }
    )


def _meta(result: dg.ExecuteInProcessResult) -> dict:
    (mat,) = [e.materialization for e in result.get_asset_materialization_events()]
    return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}


def test_failed_sends_retry_without_duplicates(
    stockcast_home: Path,
    monkeypatch: pytest.MonkeyPatch,
    smtp_server: Any,
    webhook_server: Any,
) -> None:
    sink, port = smtp_server(auth=("bot", "pw"))
    log, url = webhook_server
    monkeypatch.setenv("STOCKCAST_SECRET_SMTP_PASSWORD", "pw")
    monkeypatch.setenv("STOCKCAST_SECRET_SLACK_URL", url)
    (stockcast_home / "stockcast.yaml").write_text(
        "notifications:\n  enabled: true\n"
        f"  email:\n    host: 127.0.0.1\n    port: {port}\n    starttls: false\n"
        "    username: bot\n    from: stockcast@example.com\n    to: [planner@example.com]\n"
        "  webhook:\n    url_secret: slack_url\n"
    )
    wh = Warehouse("duckdb", duckdb_path=stockcast_home / "warehouse.duckdb")
    alerts = update_alerts(None, _conditions(), pd.Timestamp("2024-01-01"))
    wh.write_table(alerts, "policy", "reorder_alerts", keys=["alert_id"])
    resources = {"stockcast": StockcastResource()}

    log.fail_next = 1  # the webhook is down for the first run
    first = dg.materialize([alert_notifications], resources=resources)
    assert first.success
    # info-level excess stock is below the default min_severity: 2 alerts x 2 channels.
    assert (_meta(first)["sent"], _meta(first)["failed"]) == (2, 2)
    assert len(sink.messages) == 1 and log.received == []

    second = dg.materialize([alert_notifications], resources=resources)
    assert (_meta(second)["sent"], _meta(second)["failed"], _meta(second)["pending"]) == (2, 0, 0)
    assert len(sink.messages) == 1  # the email went out once, never again
    (body,) = log.received
    assert body["text"].count("\n- ") == 2 and "[critical] A" in body["text"]

    third = dg.materialize([alert_notifications], resources=resources)
    assert (_meta(third)["sent"], _meta(third)["failed"]) == (0, 0)
    assert len(sink.messages) == 1 and len(log.received) == 1

    # A state change (acknowledged by a planner) is news: one more message per channel.
    alerts = wh.read_table("policy", "reorder_alerts")
    a_id = alerts.loc[alerts["sku"] == "A", "alert_id"].iloc[0]
    wh.write_table(
        acknowledge(alerts, a_id, "ana", pd.Timestamp("2024-01-02")),
        "policy",
        "reorder_alerts",
        keys=["alert_id"],
    )
    fourth = dg.materialize([alert_notifications], resources=resources)
    assert _meta(fourth)["sent"] == 2
    assert (
        len(sink.messages) == 2
        and "A stockout_before_replenishment is acknowledged" in (log.received[-1]["text"])
    )
    outbox = wh.read_table("policy", "notification_outbox")
    assert outbox["notification_id"].is_unique and outbox["sent_at"].notna().all()
    assert len(outbox) == 6


def test_disabled_by_default_sends_nothing(stockcast_home: Path) -> None:
    wh = Warehouse("duckdb", duckdb_path=stockcast_home / "warehouse.duckdb")
    wh.write_table(
        update_alerts(None, _conditions(), pd.Timestamp("2024-01-01")),
        "policy",
        "reorder_alerts",
        keys=["alert_id"],
    )
    result = dg.materialize([alert_notifications], resources={"stockcast": StockcastResource()})
    assert _meta(result)["enabled"] is False
    assert not wh.table_exists("policy", "notification_outbox")
