"""What every channel receives, may raise, and declares about itself."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

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
    # When the event happened (the notification was written), not when it is sent.
    created_at: datetime | None = None


class DeliveryError(Exception):
    """The message did not reach the thread because of something about this message (the
    receiver refused it, the thread no longer exists): it counts against the notification
    and is tried again on its own schedule.

    Messages must never carry a channel's secret (a token, a password, a URL with a token
    in it): they end up in `Notification.last_error`, the admin and the logs.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChannelDown(DeliveryError):
    """The channel did not answer, or failed as a whole (connection refused, timeout, 5xx).

    One notification failing so may still be that notification's fault; a second,
    different one failing as well before anything is delivered makes it an outage, and
    the worker pauses the channel instead of spending attempts."""


class Unreachable(ChannelDown):
    """The receiver could not be reached at all (connection refused, its host name
    unknown): no message got there, so it cannot be this message's fault, and the worker
    pauses the channel at once."""


class RateLimited(ChannelDown):
    """The channel asked us to slow down (HTTP 429, Slack's `ratelimited`, Bitrix24's
    QUERY_LIMIT_EXCEEDED): the channel waits as asked; no notification loses an attempt."""


class NeedsPerson(DeliveryError):
    """Only a person can fix this (authentication refused, 410 Gone, an inactive channel):
    the channel is paused, with this as its reason, until someone resumes it or replaces
    its secret."""


@dataclass(frozen=True)
class Setting:
    """One key of a channel's non-secret `config`."""

    help: str
    type: type = str
    required: bool = False
    default: Any = None
    # A further check of the value: the problem, or None when it is fine.
    check: Callable[[Any], str | None] | None = None


def any_ref(ref: str) -> str | None:
    if not ref.strip():
        return "The thread reference is empty."
    if _CONTROL.search(ref):
        return "The thread reference contains control characters."
    return None


def plain_secret(name: str, value: str) -> str | None:
    if not value:
        return f"The {name} is empty."
    if _CONTROL.search(value) or value != value.strip():
        return f"The {name} contains spaces or control characters."
    return None


@dataclass(frozen=True)
class Kind:
    """What a kind of channel is: how it sends, which secrets and settings it takes, and
    what a thread reference in it looks like. `secrets[0]` is its main secret."""

    send: Callable[..., None]
    secrets: tuple[str, ...] = ()
    config: Mapping[str, Setting] = field(default_factory=dict)
    check_ref: Callable[[str], str | None] = any_ref
    check_secret: Callable[[str, str], str | None] = plain_secret
    # A check of the config as a whole, once each key passed: the key at fault and the
    # problem, or None.
    check_config: Callable[[Mapping[str, Any]], tuple[str, str] | None] | None = None


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def http_url(value: Any) -> str | None:
    """The problem with `value` as an http(s) URL, or None. Credentials do not belong in
    a URL: it is shown on the channel's page; they go into the channel's secrets."""
    if not isinstance(value, str) or not value:
        return "Give an http(s) URL."
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname or _CONTROL.search(value):
        return "Give an http(s) URL."
    if parts.username or parts.password:
        return "Put credentials into the channel's secrets, not into the URL."
    return None


def config_value(channel: Channel, key: str, default: Any = None) -> Any:
    config = channel.config if isinstance(channel.config, dict) else {}
    value = config.get(key, default)
    return default if value is None or value == "" else value


def config_str(channel: Channel, key: str, default: str | None = None) -> str:
    value = config_value(channel, key, default)
    if value is None or value == "":
        raise NeedsPerson(f"Channel {channel.slug!r} has no {key!r} in its config.")
    return str(value)


def config_bool(channel: Channel, key: str, default: bool) -> bool:
    value = config_value(channel, key, default)
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


def link_previews(default: bool) -> Setting:
    return Setting(
        "Let the chat show a preview card of the status page link.", type=bool, default=default
    )
