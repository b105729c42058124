"""The log channel, for local use: the message goes to the worker's log."""

from __future__ import annotations

import logging

from tracker.channels.base import Kind, Outgoing

logger = logging.getLogger("tracker.channels.log")


def send(message: Outgoing, *, timeout: float) -> None:
    # Debug: the worker's own line per batch is what a run shows (LOG_LEVEL=DEBUG for texts).
    logger.debug(
        "notification %s to %s:%s (%s)\n%s",
        message.id,
        message.channel.slug,
        message.thread_ref,
        message.language,
        message.text,
    )


KIND = Kind(send=send)
