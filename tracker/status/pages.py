"""Rendered status pages, kept in a shared cache and dropped when the request changes.

Each request has a stamp in the cache; a page is stored with the stamp it was rendered
under and served only while that stamp is current. Once a change of what customers see is
committed (a status change, a merge, a new customer, the wording), the services send
`tracker.signals.public_view_changed`, and `forget_changed` (connected by the app's
`ready()`) drops the stamp: every language's page of that request is re-rendered on its
next view, by any web process, since the stamp lives in the shared cache. A cache hit costs
no database query.

Why it is safe: `forget` runs after the commit, and a page is only stored under a stamp that
existed before its data was read. So a page rendered from data older than a commit carries
a stamp that this commit's `forget` removes. The timeout bounds what a change made outside
the services (a figure written by hand in the database) could leave behind.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from tracker.status.store import cache, is_redis

_KEY_VERSION = 3


@dataclass(frozen=True)
class Entry:
    stamp: str
    html: str = ""
    # Set for a merged request: the page is a redirect to this number.
    redirect_to: int | None = None


def _stamp_key(number: int) -> str:
    return f"status_page:stamp:{_KEY_VERSION}:{number}"


def _page_key(number: int, language: str, merged_from: int | None) -> str:
    return f"status_page:page:{_KEY_VERSION}:{number}:{language}:{merged_from or 0}"


def keys(*, number: int, language: str, merged_from: int | None) -> list[str]:
    """The cache keys `lookup` reads, for the caller to fetch with its own cache call."""
    return [_stamp_key(number), _page_key(number, language, merged_from)]


def lookup(
    *, number: int, language: str, merged_from: int | None, found: dict[str, Any]
) -> tuple[str, Entry | None]:
    """The request's current stamp, and its cached page if it was rendered under it, from
    what was `found` under `keys()`."""
    stamp_key, page_key = keys(number=number, language=language, merged_from=merged_from)
    stamp = found.get(stamp_key)
    if stamp is None:
        # add() keeps whichever stamp another process set first.
        cache.add(stamp_key, secrets.token_hex(8), timeout=settings.STATUS_PAGE_CACHE_SECONDS)
        stamp = cache.get(stamp_key) or ""
        return stamp, None
    entry = found.get(page_key)
    if isinstance(entry, Entry) and entry.stamp == stamp:
        return stamp, entry
    return stamp, None


def remember(*, number: int, language: str, merged_from: int | None, entry: Entry) -> None:
    if not entry.stamp:
        return
    cache.set(
        _page_key(number, language, merged_from),
        entry,
        timeout=settings.STATUS_PAGE_CACHE_SECONDS,
    )


def forget(numbers: Iterable[int]) -> None:
    """Drop the cached pages of these requests: call it after the change is committed."""
    numbers = list(numbers)
    for number in numbers:
        _held.pop(number, None)
    cache.delete_many([_stamp_key(number) for number in numbers])


# --- pages held in this process's memory (with Redis only) ----------------------------------
#
# With REDIS_URL set, a page read from Redis is also held in the process for
# STATUS_PAGE_LOCAL_SECONDS and served from there without asking Redis: the change that makes
# it stale drops it at once in the process that made the change (`forget`, above), and
# within those seconds in every other one. docs/status-page.md weighs it.

_HELD_MOST = 10_000
_held: dict[int, dict[tuple[str, int], tuple[float, Entry]]] = {}


def _holding() -> bool:
    return settings.STATUS_PAGE_LOCAL_SECONDS > 0 and is_redis()


def held(*, number: int, language: str, merged_from: int | None) -> Entry | None:
    """The page this process holds for the request, while it is fresh enough."""
    if not _holding():
        return None
    entry = _held.get(number, {}).get((language, merged_from or 0))
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def hold(*, number: int, language: str, merged_from: int | None, entry: Entry) -> None:
    if not _holding():
        return
    if len(_held) >= _HELD_MOST:
        _held.clear()
    until = time.monotonic() + settings.STATUS_PAGE_LOCAL_SECONDS
    _held.setdefault(number, {})[(language, merged_from or 0)] = (until, entry)


def forget_changed(sender: object, *, numbers: Iterable[int], **kwargs: Any) -> None:
    """The receiver of `public_view_changed`, sent once the change is committed."""
    forget(numbers)
