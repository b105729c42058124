"""The cache the status page keeps its counters and pages in: the `status_page` alias.

It points where the default cache does (Redis when REDIS_URL is set, so that limits and
pages are shared by every process), through `tracker.status.redis_cache` for Redis.
"""

from collections.abc import Sequence
from typing import Any

from django.core.cache import BaseCache, caches
from django.utils.connection import ConnectionProxy

from tracker.status.redis_cache import RedisCache

CACHE_ALIAS = "status_page"

cache: BaseCache = ConnectionProxy(caches, CACHE_ALIAS)  # type: ignore[assignment]


def count_and_get_many(
    counter: str, *, timeout: int, keys: Sequence[str]
) -> tuple[int, dict[str, Any]]:
    """Add one to `counter` and read `keys`: one round trip on Redis."""
    backend = caches[CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        done = backend.count_and_get_many(counter, timeout=timeout, keys=keys)
        if done is not None:
            return done
    # incr() is atomic; the first count of a window creates the counter with add(), and if
    # another thread created it meanwhile, counts on that one.
    try:
        count = backend.incr(counter)
    except ValueError:
        count = 1 if backend.add(counter, 1, timeout=timeout) else backend.incr(counter)
    return count, backend.get_many(keys) if keys else {}
