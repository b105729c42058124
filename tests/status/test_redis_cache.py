"""The status page's Redis backend reaches into Django's private attributes to spend one round
trip per look-up (tracker/status/redis_cache.py): these tests say so loudly when a Django
upgrade moves them, and hold the fallback to the public cache API to the same answers."""

import socket
import uuid

import django
import pytest
from django.core.cache.backends import redis as django_redis
from django.test import RequestFactory, override_settings

from tracker.status import redis_cache
from tracker.status.limits import lookup_allowed
from tracker.status.store import CACHE_ALIAS

REDIS_URL = "redis://127.0.0.1:6379/0"

MOVED = (
    f"Django {django.get_version()} no longer has the private parts of its Redis cache "
    "backend that tracker/status/redis_cache.py's _django_internals() reaches into "
    "(RedisCache._class and ._cache, RedisCacheClient._serializer, as Django 5.2 has them). "
    "The status page still works, through the public cache API, but a look-up now costs two "
    "or three Redis round trips instead of one: adapt _django_internals() to this Django."
)


def redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


needs_redis = pytest.mark.skipif(not redis_is_up(), reason="Redis is not running on 127.0.0.1")


def test_djangos_redis_backend_still_has_the_internals_the_status_page_uses():
    # No connection is made: building clients and pools does not talk to Redis.
    stock = django_redis.RedisCache(REDIS_URL, {})

    assert redis_cache._django_internals(stock) is not None, MOVED


@needs_redis
def test_the_internals_read_what_the_public_api_wrote():
    cache = redis_cache.RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    cache.set_many({"page": {"html": "<p>"}, "number": 5}, timeout=30)

    try:
        assert cache.count_and_get_many("hits", timeout=30, keys=["page", "number"]) == (
            1,
            {"page": {"html": "<p>"}, "number": 5},
        ), MOVED
    finally:
        cache.delete_many(["page", "number", "hits"])


@pytest.fixture
def internals_gone(monkeypatch):
    """As if a Django upgrade had moved what _django_internals() reaches for."""
    monkeypatch.setattr(redis_cache, "_django_internals", lambda cache: None)


@needs_redis
def test_without_the_internals_the_backend_is_djangos_own(internals_gone):
    cache = redis_cache.RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})

    assert cache.count_and_get_many("hits", timeout=30, keys=[]) is None
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    cache.add("counter", 1, timeout=30)
    assert [cache.incr("counter"), cache.incr("counter", 5)] == [2, 7]
    cache.delete("counter")


@needs_redis
@pytest.mark.parametrize("internals", ["there", "gone"])
def test_a_look_up_counts_and_reads_the_same_with_or_without_the_internals(
    internals, monkeypatch, settings
):
    if internals == "gone":
        monkeypatch.setattr(redis_cache, "_django_internals", lambda cache: None)
    settings.STATUS_PAGE_RATE_LIMIT = 2
    backend = {
        "BACKEND": "tracker.status.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": f"test-{uuid.uuid4()}",
    }
    request = RequestFactory().get("/status/1/", REMOTE_ADDR=f"test-{uuid.uuid4()}")

    with override_settings(CACHES={"default": backend, CACHE_ALIAS: backend}):
        from django.core.cache import caches

        cache = caches[CACHE_ALIAS]
        cache.set("page", "<p>", timeout=30)
        try:
            first = lookup_allowed(request, read=["page", "missing"])
            second = lookup_allowed(request, read=["page"])
            third = lookup_allowed(request)
        finally:
            cache.delete("page")  # the counter expires with its window

    assert (first[0], first[2]) == (True, {"page": "<p>"})
    assert (second[0], second[2]) == (True, {"page": "<p>"})
    assert (third[0], third[2]) == (False, {})
