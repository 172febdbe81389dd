"""Alert notifications: email digests over SMTP and Slack-compatible webhooks.

Off by default. What to send, and whether it was sent, is the outbox's business
(:mod:`ml.policy.notifications`); this package only builds the messages, talks to the
servers and reports each notification's outcome so the outbox can record it.
"""

from orchestration.notify.channels import Channel, EmailChannel, WebhookChannel, digest_text
from orchestration.notify.config import EmailConfig, NotificationConfig, WebhookConfig
from orchestration.notify.dispatch import DeliveryReport, build_channels, deliver

__all__ = [
    "Channel",
    "DeliveryReport",
    "EmailChannel",
    "EmailConfig",
    "NotificationConfig",
    "WebhookChannel",
    "WebhookConfig",
    "build_channels",
    "deliver",
    "digest_text",
]
