"""What every channel receives and may raise."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.models import Channel


@dataclass(frozen=True)
class Outgoing:
    """One rendered notification, ready to post into its thread."""

    id: int
    event: str
    channel: Channel
    thread_ref: str
    language: str
    number: int
    status: str
    status_url: str
    subject: str
    text: str


class DeliveryError(Exception):
    """The message did not reach the thread; it will be tried again later.

    Messages must never carry the channel's secret (a token, a password, a URL with a
    token in it): they end up in `Notification.last_error`, the admin and the logs.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RateLimited(DeliveryError):
    """The channel asked us to slow down (HTTP 429, Bitrix24's QUERY_LIMIT_EXCEEDED).

    Not the notification's fault: it does not count as a failed attempt."""


def config_str(channel: Channel, key: str, default: str | None = None) -> str:
    value = channel.config.get(key, default) if isinstance(channel.config, dict) else default
    if value is None or value == "":
        raise DeliveryError(f"Channel {channel.slug!r} has no {key!r} in its config.")
    return str(value)
