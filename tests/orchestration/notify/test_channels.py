"""Channels against real local servers: SMTP (plain, auth, STARTTLS) and a webhook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ml.policy import OUTBOX_COLUMNS
from orchestration.notify import (
    EmailChannel,
    EmailConfig,
    WebhookChannel,
    WebhookConfig,
    deliver,
)
from tests.orchestration.notify.conftest import free_port

pytestmark = pytest.mark.integration


def _rows(n: int = 3, channel: str = "email") -> pd.DataFrame:
    rows = pd.DataFrame(
        {
            "notification_id": [f"n{i}" for i in range(n)],
            "alert_id": [f"a{i}" for i in range(n)],
            "state": "open",
            "channel": channel,
            "sku": [f"SKU-{i}" for i in range(n)],
            "alert_type": "below_reorder_point",
            "severity": ["critical"] + ["warning"] * (n - 1),
            "message": "Inventory position 3 is at or below the reorder point 9",
            "created_at": pd.Timestamp("2024-01-01"),
            "attempts": 0,
            "last_error": None,
            "last_attempt_at": pd.NaT,
            "sent_at": pd.NaT,
        }
    )
    return rows[OUTBOX_COLUMNS]


def _email(port: int, **kwargs: Any) -> EmailConfig:
    return EmailConfig(
        host="127.0.0.1",
        port=port,
        sender="stockcast@example.com",
        recipients=("planner@example.com",),
        timeout_s=5,
        **{"starttls": False, **kwargs},
    )


def test_email_digest_plain_smtp(smtp_server: Any) -> None:
    sink, port = smtp_server()
    results = EmailChannel(_email(port)).send(_rows())
    assert results == {"n0": None, "n1": None, "n2": None}
    (msg,) = sink.messages
    assert "3 reorder alert update(s), 1 critical" in msg["Subject"]
    body = msg.get_payload()
    assert body.index("[critical] SKU-0") < body.index("[warning] SKU-1")


def test_email_with_login(smtp_server: Any) -> None:
    sink, port = smtp_server(auth=("bot", "s3cret"))
    ok = EmailChannel(_email(port, username="bot", password="s3cret")).send(_rows(1))
    assert ok == {"n0": None} and sink.logins == ["bot"] and len(sink.messages) == 1
    bad = EmailChannel(_email(port, username="bot", password="wrong")).send(_rows(1))
    assert bad["n0"] is not None and "smtp" in bad["n0"] and len(sink.messages) == 1


def test_email_with_starttls_and_login(smtp_server: Any, tls_files: tuple[Path, Path]) -> None:
    sink, port = smtp_server(auth=("bot", "s3cret"), tls=tls_files)
    cfg = _email(port, starttls=True, username="bot", password="s3cret", ca_file=str(tls_files[0]))
    assert EmailChannel(cfg).send(_rows(2)) == {"n0": None, "n1": None}
    assert len(sink.messages) == 1 and sink.logins == ["bot"]
    # Without STARTTLS the server refuses to go on: recorded as an error, not raised.
    plain = EmailChannel(_email(port, username="bot", password="s3cret")).send(_rows(1))
    assert plain["n0"] is not None and len(sink.messages) == 1


def test_unreachable_smtp_is_an_error_per_row() -> None:
    results = EmailChannel(_email(free_port())).send(_rows(2))
    assert set(results) == {"n0", "n1"} and all(results.values())


def test_webhook_chunks_and_failures(webhook_server: Any) -> None:
    log, url = webhook_server
    channel = WebhookChannel(WebhookConfig(url=url, timeout_s=5, max_lines=2))
    assert channel.send(_rows(3, "webhook")) == {"n0": None, "n1": None, "n2": None}
    assert len(log.received) == 2 and all("text" in body for body in log.received)
    log.fail_next = 1
    failed = channel.send(_rows(1, "webhook"))
    assert failed["n0"] == "webhook: HTTP 500"


def test_deliver_retries_failed_rows_only(webhook_server: Any) -> None:
    log, url = webhook_server
    log.fail_next = 1
    channels = {"webhook": WebhookChannel(WebhookConfig(url=url, timeout_s=5))}
    box, first = deliver(_rows(2, "webhook"), channels, pd.Timestamp("2024-01-01"))
    assert (first.total_sent, first.total_failed) == (0, 2)
    assert (box["attempts"] == 1).all() and box["last_error"].notna().all()
    box, second = deliver(box, channels, pd.Timestamp("2024-01-02"))
    assert (second.total_sent, second.total_failed) == (2, 0)
    box, third = deliver(box, channels, pd.Timestamp("2024-01-03"))
    assert (third.total_sent, third.total_failed) == (0, 0)
    assert len(log.received) == 1 and log.failures == 1
