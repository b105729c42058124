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


def is_redis() -> bool:
    """Whether the status page's cache is Redis, shared by every process over the network."""
    return isinstance(caches[CACHE_ALIAS], RedisCache)


def count_and_get_many(
    counter: str, *, timeout: int, keys: Sequence[str], by: int = 1
) -> tuple[int, dict[str, Any]]:
    """Add `by` to `counter` and read `keys`: one round trip on Redis."""
    backend = caches[CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        done = backend.count_and_get_many(counter, timeout=timeout, keys=keys, by=by)
        if done is not None:
            return done
    # incr() is atomic; the first count of a window creates the counter with add(), and if
    # another thread created it meanwhile, counts on that one.
    try:
        count = backend.incr(counter, by)
    except ValueError:
        count = by if backend.add(counter, by, timeout=timeout) else backend.incr(counter, by)
    return count, backend.get_many(keys) if keys else {}
