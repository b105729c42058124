"""Reads the chat apps need."""

from __future__ import annotations

from tracker.models import Channel, Thread
from tracker.services.intake import thread_language


def thread_language_or(*, channel: Channel, ref: str, words: str) -> str:
    """The language the form proposes: the thread's own when it is known already, else the
    one a new thread would get from these words."""
    known = Thread.objects.filter(channel=channel, ref=ref).values_list("language", flat=True)
    return known.first() or thread_language(channel=channel, words=words)
