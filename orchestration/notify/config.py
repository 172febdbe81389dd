"""Notification settings from the ``notifications:`` section of ``stockcast.yaml``.

Example (secrets are named, never written in the file)::

    notifications:
      enabled: true                 # master switch, false by default
      min_severity: warning         # info < warning < critical
      max_attempts: 5               # a notification failing this often is left for a person
      email:
        host: smtp.example.com
        port: 587
        starttls: true              # upgrade the connection before logging in
        ssl: false                  # implicit TLS (port 465) instead of STARTTLS
        username: stockcast         # no login when absent
        password_secret: smtp_password   # -> env STOCKCAST_SECRET_SMTP_PASSWORD (default)
        ca_file: /etc/ssl/internal-ca.pem  # optional, to trust a private CA
        from: stockcast@example.com
        to: [planners@example.com]
      webhook:
        url_secret: slack_webhook_url    # -> env STOCKCAST_SECRET_SLACK_WEBHOOK_URL
        # or url: https://hooks.example.com/... when the URL is not a secret
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from orchestration.settings import ConfigError, Settings

SEVERITIES = ("info", "warning", "critical")
_TOP_KEYS = {"enabled", "min_severity", "max_attempts", "email", "webhook"}
_EMAIL_KEYS = {
    "enabled",
    "host",
    "port",
    "starttls",
    "ssl",
    "username",
    "password_secret",
    "ca_file",
    "from",
    "to",
    "timeout_s",
    "subject_prefix",
}
_WEBHOOK_KEYS = {"enabled", "url", "url_secret", "timeout_s", "max_lines"}


@dataclass(frozen=True)
class EmailConfig:
    """How to reach the SMTP server and whom to write to."""

    host: str
    sender: str
    recipients: tuple[str, ...]
    port: int = 587
    starttls: bool = True
    ssl: bool = False
    username: str | None = None
    password: str | None = None
    ca_file: str | None = None
    timeout_s: float = 10.0
    subject_prefix: str = "[stockcast]"


@dataclass(frozen=True)
class WebhookConfig:
    """A Slack-compatible incoming webhook (JSON ``{"text": ...}``)."""

    url: str
    timeout_s: float = 10.0
    max_lines: int = 40


@dataclass(frozen=True)
class NotificationConfig:
    """All notification settings; :attr:`channels` is empty when notifications are off."""

    enabled: bool = False
    min_severity: str = "warning"
    max_attempts: int = 5
    email: EmailConfig | None = None
    webhook: WebhookConfig | None = None

    @property
    def channels(self) -> list[str]:
        """Names of the channels that will be used (none when disabled)."""
        if not self.enabled:
            return []
        return [
            name
            for name, cfg in (("email", self.email), ("webhook", self.webhook))
            if cfg is not None
        ]

    @classmethod
    def from_settings(cls, settings: Settings) -> NotificationConfig:
        """Read the ``notifications`` section and resolve its secrets."""
        return cls.from_mapping(settings.section("notifications"), settings.secret)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any] | None, secret: Callable[[str], str | None] = lambda name: None
    ) -> NotificationConfig:
        """Validate a ``notifications`` mapping; unknown keys are errors, not silent defaults.

        Args:
            data: The section as parsed from YAML.
            secret: Looks up a named secret (``Settings.secret``).
        """
        data = dict(data or {})
        _reject_unknown("notifications", data, _TOP_KEYS)
        min_severity = str(data.get("min_severity", "warning"))
        if min_severity not in SEVERITIES:
            raise ConfigError(f"notifications.min_severity must be one of {SEVERITIES}")
        max_attempts = int(data.get("max_attempts", 5))
        if max_attempts < 1:
            raise ConfigError("notifications.max_attempts must be >= 1")
        return cls(
            enabled=bool(data.get("enabled", False)),
            min_severity=min_severity,
            max_attempts=max_attempts,
            email=_email(data.get("email"), secret),
            webhook=_webhook(data.get("webhook"), secret),
        )


def _reject_unknown(where: str, data: Mapping[str, Any], known: set[str]) -> None:
    unknown = set(data) - known
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}")


def _email(data: Any, secret: Callable[[str], str | None]) -> EmailConfig | None:
    if not data or not data.get("enabled", True):
        return None
    if not isinstance(data, Mapping):
        raise ConfigError("notifications.email must be a mapping")
    _reject_unknown("notifications.email", data, _EMAIL_KEYS)
    missing = [k for k in ("host", "from", "to") if not data.get(k)]
    if missing:
        raise ConfigError(f"notifications.email needs {missing}")
    to = data["to"]
    recipients = (to,) if isinstance(to, str) else tuple(str(x) for x in to)
    username = data.get("username")
    secret_name = str(data.get("password_secret", "smtp_password"))
    password = secret(secret_name) if username else None
    if username and not password:
        raise ConfigError(
            "notifications.email.username is set but its password secret "
            f"STOCKCAST_SECRET_{secret_name.upper()} is not"
        )
    return EmailConfig(
        host=str(data["host"]),
        sender=str(data["from"]),
        recipients=recipients,
        port=int(data.get("port", 465 if data.get("ssl") else 587)),
        starttls=bool(data.get("starttls", not data.get("ssl", False))),
        ssl=bool(data.get("ssl", False)),
        username=username,
        password=password,
        ca_file=data.get("ca_file"),
        timeout_s=float(data.get("timeout_s", 10.0)),
        subject_prefix=str(data.get("subject_prefix", "[stockcast]")),
    )


def _webhook(data: Any, secret: Callable[[str], str | None]) -> WebhookConfig | None:
    if not data or not data.get("enabled", True):
        return None
    if not isinstance(data, Mapping):
        raise ConfigError("notifications.webhook must be a mapping")
    _reject_unknown("notifications.webhook", data, _WEBHOOK_KEYS)
    url = data.get("url") or secret(str(data.get("url_secret", "webhook_url")))
    if not url:
        raise ConfigError(
            "notifications.webhook needs url, or url_secret naming a "
            "STOCKCAST_SECRET_<NAME> that is set"
        )
    return WebhookConfig(
        url=str(url),
        timeout_s=float(data.get("timeout_s", 10.0)),
        max_lines=int(data.get("max_lines", 40)),
    )
