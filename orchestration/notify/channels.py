"""Delivery channels: each sends a batch of outbox rows and says, per row, how it went.

A channel never raises for a delivery problem: it returns ``{notification_id: error}`` (None
for sent), so one dead server cannot stop the other channel or lose the record of the try.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from typing import Protocol

import pandas as pd

from orchestration.notify.config import EmailConfig, WebhookConfig

_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


class Channel(Protocol):
    """Something that can deliver outbox rows."""

    name: str

    def send(self, rows: pd.DataFrame) -> dict[str, str | None]:
        """Deliver ``rows``; map each notification_id to None (sent) or an error message."""
        ...


def _sorted(rows: pd.DataFrame) -> pd.DataFrame:
    rank = rows["severity"].map(_SEVERITY_ORDER).fillna(3)
    return rows.assign(_rank=rank).sort_values(["_rank", "sku", "alert_type"]).drop(columns="_rank")


def digest_text(rows: pd.DataFrame) -> str:
    """Plain-text digest: one line per alert state change, most severe first."""
    rows = _sorted(rows)
    counts = rows["severity"].value_counts()
    head = ", ".join(f"{counts[s]} {s}" for s in ("critical", "warning", "info") if s in counts)
    lines = [f"stockcast: {len(rows)} alert update(s) ({head})"]
    for r in rows.itertuples(index=False):
        lines.append(f"- [{r.severity}] {r.sku} {r.alert_type} is {r.state}: {r.message}")
    return "\n".join(lines)


def _fail_all(rows: pd.DataFrame, error: str) -> dict[str, str | None]:
    return dict.fromkeys(rows["notification_id"].astype(str), error)


class EmailChannel:
    """One digest email per run over SMTP (STARTTLS or implicit TLS, optional login)."""

    name = "email"

    def __init__(self, config: EmailConfig) -> None:
        self.config = config

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.config.ca_file)

    def message(self, rows: pd.DataFrame) -> EmailMessage:
        """The digest as an email message."""
        cfg = self.config
        msg = EmailMessage()
        critical = int((rows["severity"] == "critical").sum())
        subject = f"{cfg.subject_prefix} {len(rows)} reorder alert update(s)"
        if critical:
            subject += f", {critical} critical"
        msg["Subject"] = subject
        msg["From"] = cfg.sender
        msg["To"] = ", ".join(cfg.recipients)
        msg.set_content(digest_text(rows))
        return msg

    def send(self, rows: pd.DataFrame) -> dict[str, str | None]:
        """Send the digest; every row shares the outcome of the one message."""
        if rows.empty:
            return {}
        cfg = self.config
        try:
            if cfg.ssl:
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout_s, context=self._tls_context()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
            with smtp:
                smtp.ehlo()
                if cfg.starttls and not cfg.ssl:
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if cfg.username:
                    smtp.login(cfg.username, cfg.password or "")
                refused = smtp.send_message(self.message(rows))
        except (OSError, smtplib.SMTPException) as exc:
            return _fail_all(rows, f"smtp: {type(exc).__name__}: {exc}")
        if refused and len(refused) == len(cfg.recipients):
            return _fail_all(rows, f"smtp: every recipient refused: {refused}")
        return dict.fromkeys(rows["notification_id"].astype(str), None)


class WebhookChannel:
    """Slack-compatible webhook: JSON ``{"text": ...}`` POSTs of at most ``max_lines`` rows."""

    name = "webhook"

    def __init__(self, config: WebhookConfig) -> None:
        self.config = config

    def _post(self, text: str) -> str | None:
        body = json.dumps({"text": text}).encode()
        request = urllib.request.Request(
            self.config.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout_s) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            return f"webhook: HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            return f"webhook: {type(exc).__name__}: {exc}"
        return None if 200 <= status < 300 else f"webhook: HTTP {status}"

    def send(self, rows: pd.DataFrame) -> dict[str, str | None]:
        """POST the rows in chunks; a chunk's rows share its outcome."""
        results: dict[str, str | None] = {}
        rows = _sorted(rows)
        step = max(int(self.config.max_lines), 1)
        for start in range(0, len(rows), step):
            chunk = rows.iloc[start : start + step]
            error = self._post(digest_text(chunk))
            results.update(dict.fromkeys(chunk["notification_id"].astype(str), error))
        return results
