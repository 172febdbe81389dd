"""Notification settings: off by default, secrets resolved, mistakes reported."""

from __future__ import annotations

import pytest

from orchestration.notify import NotificationConfig, build_channels
from orchestration.settings import ConfigError

pytestmark = pytest.mark.unit

EMAIL = {"host": "smtp.example.com", "from": "a@example.com", "to": "b@example.com"}


def test_off_by_default_even_with_channels() -> None:
    assert NotificationConfig.from_mapping(None).channels == []
    cfg = NotificationConfig.from_mapping({"email": EMAIL})
    assert cfg.email is not None and cfg.channels == [] and build_channels(cfg) == {}


def test_channels_and_secrets() -> None:
    secrets = {"smtp_password": "pw", "hook": "https://hooks.example.com/x"}
    cfg = NotificationConfig.from_mapping(
        {
            "enabled": True,
            "min_severity": "critical",
            "email": {**EMAIL, "username": "bot", "port": 2525, "starttls": False},
            "webhook": {"url_secret": "hook"},
        },
        secrets.get,
    )
    assert cfg.channels == ["email", "webhook"]
    assert (
        cfg.email is not None
        and cfg.email.password == "pw"
        and cfg.email.recipients == ("b@example.com",)
    )
    assert cfg.email.port == 2525 and not cfg.email.starttls
    assert cfg.webhook is not None and cfg.webhook.url == "https://hooks.example.com/x"
    assert set(build_channels(cfg)) == {"email", "webhook"}


def test_defaults_are_starttls_on_587() -> None:
    cfg = NotificationConfig.from_mapping({"enabled": True, "email": EMAIL})
    assert cfg.email is not None and (cfg.email.port, cfg.email.starttls) == (587, True)
    assert cfg.email.username is None and cfg.email.password is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"enabled": True, "emial": {}}, "unknown key"),
        ({"email": {**EMAIL, "usr": "x"}}, "unknown key"),
        ({"email": {"host": "h"}}, "needs"),
        ({"email": {**EMAIL, "username": "bot"}}, "STOCKCAST_SECRET_SMTP_PASSWORD"),
        ({"webhook": {"url_secret": "missing"}}, "url_secret"),
        ({"min_severity": "loud"}, "min_severity"),
    ],
)
def test_mistakes_are_errors(data: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        NotificationConfig.from_mapping(data)
