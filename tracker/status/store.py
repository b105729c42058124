"""The cache the status page keeps its counters and pages in: the `status_page` alias.

It points where the default cache does (Redis when REDIS_URL is set, so that limits and
pages are shared by every process), through `tracker.status.redis_cache` for Redis.
"""

from django.core.cache import BaseCache, caches
from django.utils.connection import ConnectionProxy

CACHE_ALIAS = "status_page"

cache: BaseCache = ConnectionProxy(caches, CACHE_ALIAS)  # type: ignore[assignment]
