"""Look-ups per client address, counted in the status page's cache (tracker.status.store).

With REDIS_URL set the cache is Redis, so every web process on every machine counts against
the same limit; with the local-memory cache each process counts on its own.

With Redis, a process tells it of a client's look-ups in batches while the client is far
from the limit (STATUS_PAGE_RATE_BATCH): a look-up whose page the process holds in memory
(tracker.status.pages) then costs no round trip at all. Near the limit, and on a client's
first look-up in a window, every look-up is counted in Redis at once. So a client is refused
once the shared count passes the limit, as before; what the batching can let through beyond
it is the look-ups other processes have not told yet: fewer than the batch per process
(docs/status-page.md, "Redis and the round trip").
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from tracker.status.store import count_and_get_many, is_redis


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, unless STATUS_PAGE_CLIENT_IP_HEADER names a header that a trusted proxy
    sets. Of a list like X-Forwarded-For only the last address counts: it is the one our
    proxy added, while anything before it was sent by the client and can be forged."""
    header = settings.STATUS_PAGE_CLIENT_IP_HEADER
    if header:
        forwarded = request.META.get(header, "")
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if addresses:
            return addresses[-1]
    return str(request.META.get("REMOTE_ADDR", ""))


def lookup_allowed(
    request: HttpRequest, *, read: Sequence[str] = ()
) -> tuple[bool, int, dict[str, Any]]:
    """Count one look-up for this client in the current fixed window, and read these cache
    keys in the same round trip.

    Returns whether it is allowed, how many seconds until the window ends, and what was
    found under the keys."""
    window = max(1, settings.STATUS_PAGE_RATE_WINDOW)
    window_index, elapsed = divmod(int(time.time()), window)
    address = client_address(request)
    key = f"status_page:rate:{address}:{window_index}"
    limit = settings.STATUS_PAGE_RATE_LIMIT
    batch = max(1, settings.STATUS_PAGE_RATE_BATCH) if is_redis() else 1
    if batch == 1:
        count, found = count_and_get_many(key, timeout=window + 1, keys=read)
        return count <= limit, window - elapsed, found
    held = _unsent.get(window_index, address)
    if not read and held is not None and held.unsent + 1 < batch:
        if held.counted + held.unsent + batch < limit:
            held.unsent += 1
            return True, window - elapsed, {}
    by = 1 + (held.unsent if held is not None else 0)
    count, found = count_and_get_many(key, timeout=window + 1, keys=read, by=by)
    _unsent.told(window_index, address, counted=count)
    return count <= limit, window - elapsed, found


@dataclass
class _Held:
    counted: int  # the client's count in the shared cache when this process last told it
    unsent: int = 0  # look-ups allowed since, not told yet


class _Unsent:
    """This process's look-ups per client not yet told to Redis, for the current window."""

    # Beyond this many clients in one window, the oldest are told at their next look-up.
    MOST = 10_000

    def __init__(self) -> None:
        self.window = -1
        self.clients: dict[str, _Held] = {}

    def get(self, window: int, address: str) -> _Held | None:
        if window != self.window:
            # A new window: what was not told of the last one no longer counts.
            self.window, self.clients = window, {}
        return self.clients.get(address)

    def told(self, window: int, address: str, *, counted: int) -> None:
        if window != self.window:
            self.window, self.clients = window, {}
        if len(self.clients) >= self.MOST:
            self.clients.clear()
        self.clients[address] = _Held(counted=counted)


_unsent = _Unsent()


class LookupThrottle(BaseThrottle):
    """The same limit for the public JSON of a request, counted on the same counter as the
    HTML page: a client refused one is refused the other. Refused, DRF answers 429 with
    Retry-After in the API's error shape."""

    retry_after: int | None = None

    def allow_request(self, request: Any, view: Any) -> bool:
        allowed, retry_after, _ = lookup_allowed(request)
        self.retry_after = None if allowed else retry_after
        return allowed

    def wait(self) -> float | None:
        return self.retry_after
