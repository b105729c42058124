"""Look-ups per client address, counted in the status page's cache (tracker.status.store).

With REDIS_URL set the cache is Redis, so every web process on every machine counts against
the same limit; with the local-memory cache each process counts on its own.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from tracker.status.store import count_and_get_many


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
    key = f"status_page:rate:{client_address(request)}:{window_index}"
    count, found = count_and_get_many(key, timeout=window + 1, keys=read)
    return count <= settings.STATUS_PAGE_RATE_LIMIT, window - elapsed, found


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
