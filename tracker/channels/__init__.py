"""Delivery channels: one small module per kind of place a thread lives in.

Every module exposes `send(message: Outgoing, *, timeout: float) -> None`, which posts one
message into one thread and returns, or raises `DeliveryError` (`RateLimited` when the
channel asks us to slow down). `SENDERS` maps a `ChannelKind` to it; adding a channel
touches no other channel.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker.channels import bitrix24, email, log, slack, webhook
from tracker.channels.base import DeliveryError, Outgoing, RateLimited
from tracker.choices import ChannelKind

Sender = Callable[..., None]

SENDERS: dict[str, Sender] = {
    ChannelKind.WEBHOOK: webhook.send,
    ChannelKind.BITRIX24: bitrix24.send,
    ChannelKind.SLACK: slack.send,
    ChannelKind.EMAIL: email.send,
    ChannelKind.LOG: log.send,
}


def send(message: Outgoing, *, timeout: float) -> None:
    """Post `message` into its thread through the thread's channel."""
    sender = SENDERS.get(message.channel.kind)
    if sender is None:
        raise DeliveryError(f"Channel kind {message.channel.kind!r} has no sender.")
    sender(message, timeout=timeout)


__all__ = ["SENDERS", "DeliveryError", "Outgoing", "RateLimited", "send"]
