"""The status page's Redis backend reaches into Django's private attributes to spend one round
trip per look-up (tracker/status/redis_cache.py): these tests say so loudly when a Django
upgrade moves them, and hold the fallback to the public cache API to the same answers."""

import uuid

import django
import pytest
from django.core.cache import caches
from django.core.cache.backends import redis as django_redis
from django.test import RequestFactory, override_settings

from tracker.status import redis_cache
from tracker.status.limits import lookup_allowed
from tracker.status.store import CACHE_ALIAS

# Building a backend makes no connection: the internals are there or not without Redis.
UNUSED_URL = "redis://127.0.0.1:6379/0"

MOVED = (
    f"Django {django.get_version()} no longer has the private parts of its Redis cache "
    "backend that tracker/status/redis_cache.py's _django_internals() reaches into "
    "(RedisCache._class and ._cache, RedisCacheClient._serializer, as Django 5.2 has them). "
    "The status page still works, through the public cache API, but a look-up now costs two "
    "or three Redis round trips instead of one: adapt _django_internals() to this Django."
)


def test_djangos_redis_backend_still_has_the_internals_the_status_page_uses():
    stock = django_redis.RedisCache(UNUSED_URL, {})

    assert redis_cache._django_internals(stock) is not None, MOVED


@pytest.fixture(params=["there", "gone"])
def internals(request, monkeypatch):
    """Each test twice: as Django is, and as if an upgrade had moved what
    _django_internals() reaches for."""
    if request.param == "gone":
        monkeypatch.setattr(redis_cache, "_django_internals", lambda cache: None)
    return request.param


def test_the_redis_backend_increments_only_existing_keys_and_keeps_their_expiry(
    internals, redis_url
):
    cache = redis_cache.RedisCache(redis_url, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    assert cache.get("counter") is None

    cache.add("counter", 1, timeout=30)
    assert [cache.incr("counter"), cache.incr("counter", 5)] == [2, 7]
    assert cache.get("counter") == 7
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("counter")) <= 30
    cache.delete("counter")


def test_the_redis_backend_counts_and_reads_in_one_call(redis_url):
    cache = redis_cache.RedisCache(redis_url, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    cache.set_many({"page": {"html": "<p>"}, "number": 5}, timeout=30)

    first = cache.count_and_get_many("hits", timeout=30, keys=["page", "number", "missing"])
    second = cache.count_and_get_many("hits", timeout=30, keys=[])

    assert first == (1, {"page": {"html": "<p>"}, "number": 5}), MOVED
    assert second == (2, {})
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("hits")) <= 30
    cache.delete_many(["page", "number", "hits"])


def test_a_look_up_counts_and_reads_the_same_with_or_without_the_internals(
    internals, settings, redis_url
):
    settings.STATUS_PAGE_RATE_LIMIT = 2
    backend = {
        "BACKEND": "tracker.status.redis_cache.RedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": f"test-{uuid.uuid4()}",
    }
    request = RequestFactory().get("/status/1/", REMOTE_ADDR=f"test-{uuid.uuid4()}")

    with override_settings(CACHES={"default": backend, CACHE_ALIAS: backend}):
        cache = caches[CACHE_ALIAS]
        cache.set("page", "<p>", timeout=30)
        try:
            first = lookup_allowed(request, read=["page", "missing"])
            second = lookup_allowed(request, read=["page"])
            third = lookup_allowed(request)
            one_trip = cache.count_and_get_many("unused", timeout=1, keys=[])
        finally:
            cache.delete_many(["page", "unused"])  # the look-ups' counter expires by itself

    assert (first[0], first[2]) == (True, {"page": "<p>"})
    assert (second[0], second[2]) == (True, {"page": "<p>"})
    assert (third[0], third[2]) == (False, {})
    # Without the internals the backend cannot count and read at once: the store asked the
    # public cache API instead.
    assert (one_trip is None) == (internals == "gone")
