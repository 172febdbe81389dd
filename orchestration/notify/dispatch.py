"""Send what the outbox says is pending, through the configured channels, and record it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from ml.policy import pending_notifications, record_attempts
from orchestration.notify.channels import Channel, EmailChannel, WebhookChannel
from orchestration.notify.config import NotificationConfig


def build_channels(config: NotificationConfig) -> dict[str, Channel]:
    """The channel objects the config enables (empty when notifications are off)."""
    channels: dict[str, Channel] = {}
    if "email" in config.channels and config.email is not None:
        channels["email"] = EmailChannel(config.email)
    if "webhook" in config.channels and config.webhook is not None:
        channels["webhook"] = WebhookChannel(config.webhook)
    return channels


@dataclass
class DeliveryReport:
    """What one delivery round did, per channel."""

    sent: dict[str, int] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    gave_up: int = 0

    @property
    def total_sent(self) -> int:
        """Notifications delivered in this round, all channels."""
        return sum(self.sent.values())

    @property
    def total_failed(self) -> int:
        """Notifications whose send failed in this round (they stay pending)."""
        return sum(self.failed.values())


def deliver(
    outbox: pd.DataFrame,
    channels: Mapping[str, Channel],
    now: pd.Timestamp,
    max_attempts: int = 5,
) -> tuple[pd.DataFrame, DeliveryReport]:
    """Try every pending outbox row of a configured channel once; return the new outbox.

    Rows of a channel that is not configured any more stay pending untouched. A failure is
    recorded (attempts + 1, ``last_error``) and retried next time until ``max_attempts``; a
    success sets ``sent_at`` so the row is never sent again.
    """
    pending = pending_notifications(outbox, max_attempts)
    report = DeliveryReport()
    results: dict[str, str | None] = {}
    for name, channel in channels.items():
        rows = pending[pending["channel"] == name]
        if rows.empty:
            continue
        outcome = channel.send(rows)
        results.update(outcome)
        errors = [e for e in outcome.values() if e is not None]
        report.sent[name] = len(outcome) - len(errors)
        report.failed[name] = len(errors)
        if errors:
            report.errors[name] = errors[0]
    out = record_attempts(outbox, results, now) if results else outbox
    report.gave_up = int((out["sent_at"].isna() & (out["attempts"] >= max_attempts)).sum())
    return out, report
