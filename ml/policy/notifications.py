"""Notification bookkeeping: which alert states still need a message, as an outbox frame.

The outbox has one row per (alert_id, state, channel): one notification per state change
and channel, ever. The sender (SMTP, webhooks; wired by the orchestration side) takes the
pending rows, tries to send them and records each outcome with :func:`record_attempts`. A
failed send stays pending and is retried on the next run; a sent row is never pending again,
so a crash between runs can repeat an *attempt* but never a delivered message twice by this
bookkeeping.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import pandas as pd

OUTBOX_COLUMNS = [
    "notification_id",
    "alert_id",
    "state",
    "channel",
    "sku",
    "alert_type",
    "severity",
    "message",
    "created_at",
    "attempts",
    "last_error",
    "last_attempt_at",
    "sent_at",
]
_SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}


def make_notification_id(alert_id: str, state: str, channel: str) -> str:
    """Deterministic id: first 16 hex digits of sha1("alert_id|state|channel")."""
    return hashlib.sha1(f"{alert_id}|{state}|{channel}".encode()).hexdigest()[:16]


def empty_outbox() -> pd.DataFrame:
    """An outbox with no rows and the right columns."""
    frame = pd.DataFrame({c: pd.Series(dtype=object) for c in OUTBOX_COLUMNS})
    frame["attempts"] = pd.Series(dtype=int)
    for col in ("created_at", "last_attempt_at", "sent_at"):
        frame[col] = pd.Series(dtype="datetime64[ns]")
    return frame


def plan_notifications(
    alerts: pd.DataFrame,
    outbox: pd.DataFrame | None,
    channels: Sequence[str],
    now: pd.Timestamp,
    min_severity: str = "warning",
    states: Iterable[str] = ("open", "acknowledged", "resolved"),
) -> pd.DataFrame:
    """Add one outbox row per alert state not yet queued for each channel.

    An alert's current ``status`` is its state; a state already in the outbox (sent or not)
    is not queued again, so re-running the pipeline never duplicates a message. Alerts below
    ``min_severity`` (``info`` < ``warning`` < ``critical``) are not notified.

    Returns:
        The outbox with the new rows appended (attempts 0, not sent).
    """
    box = empty_outbox() if outbox is None or outbox.empty else outbox.copy()
    floor = _SEVERITY_RANK[min_severity]
    wanted = alerts[
        alerts["status"].isin(list(states))
        & (alerts["severity"].map(_SEVERITY_RANK).fillna(0) >= floor)
    ]
    if wanted.empty or not channels:
        return box.reset_index(drop=True)
    rows = wanted[["alert_id", "status", "sku", "alert_type", "severity", "message"]].rename(
        columns={"status": "state"}
    )
    rows = rows.merge(pd.DataFrame({"channel": list(channels)}), how="cross")
    rows["notification_id"] = [
        make_notification_id(a, s, c)
        for a, s, c in zip(rows["alert_id"], rows["state"], rows["channel"], strict=True)
    ]
    rows = rows[~rows["notification_id"].isin(box["notification_id"])]
    if rows.empty:
        return box.reset_index(drop=True)
    rows = rows.assign(
        created_at=pd.Timestamp(now),
        attempts=0,
        last_error=None,
        last_attempt_at=pd.NaT,
        sent_at=pd.NaT,
    )[OUTBOX_COLUMNS]
    return (rows if box.empty else pd.concat([box, rows], ignore_index=True)).reset_index(drop=True)


def pending_notifications(outbox: pd.DataFrame, max_attempts: int = 5) -> pd.DataFrame:
    """Rows still to send: never sent and fewer than ``max_attempts`` tries so far.

    Rows that used up their attempts stay in the outbox with their ``last_error`` for a
    person to look at; they are not retried forever.
    """
    return outbox[outbox["sent_at"].isna() & (outbox["attempts"] < max_attempts)]


def record_attempts(
    outbox: pd.DataFrame,
    results: dict[str, str | None],
    now: pd.Timestamp,
) -> pd.DataFrame:
    """Record send outcomes: ``results`` maps notification_id to None (sent) or an error.

    Each recorded row gets ``attempts + 1`` and ``last_attempt_at = now``; a success sets
    ``sent_at`` (and clears ``last_error``), a failure sets ``last_error``. Results for rows
    already sent are ignored, so a late duplicate report cannot resend or unsend anything.
    """
    out = outbox.copy()
    now = pd.Timestamp(now)
    ids = pd.Series(results, dtype=object)
    target = out["notification_id"].isin(ids.index) & out["sent_at"].isna()
    errors = out.loc[target, "notification_id"].map(ids)
    ok = errors.isna()
    out.loc[target, "attempts"] = out.loc[target, "attempts"].astype(int) + 1
    out.loc[target, "last_attempt_at"] = now
    out.loc[ok[ok].index, "sent_at"] = now
    out.loc[ok[ok].index, "last_error"] = None
    out.loc[ok[~ok].index, "last_error"] = errors[~ok].astype(str)
    return out
