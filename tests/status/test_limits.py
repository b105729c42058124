"""The look-up limit is kept in Django's cache: with Redis it holds across processes."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("STATUS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
WINDOW = 3600

COUNT_LOOKUPS = """
import sys
import django
django.setup()
from django.test import RequestFactory
from tracker.status.limits import lookup_allowed
request = RequestFactory().get("/status/1/", REMOTE_ADDR=sys.argv[1])
print(" ".join(str(lookup_allowed(request)[0]) for _ in range(int(sys.argv[2]))))
"""


def redis_is_up():
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


def lookups_in_a_new_process(address, count, **env):
    environment = {
        **{k: v for k, v in os.environ.items() if k != "REDIS_URL"},
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "STATUS_PAGE_RATE_LIMIT": "3",
        "STATUS_PAGE_RATE_WINDOW": str(WINDOW),
        **env,
    }
    result = subprocess.run(
        [sys.executable, "-c", COUNT_LOOKUPS, address, str(count)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.split()


@pytest.fixture
def address():
    # A fresh client address per test, so that runs never share a counter; and not at the
    # very end of a window, where the count would start again mid-test.
    if WINDOW - time.time() % WINDOW < 10:
        time.sleep(11)
    return f"test-{uuid.uuid4()}"


@pytest.mark.skipif(not redis_is_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_with_redis_the_limit_holds_across_processes(address):
    first = lookups_in_a_new_process(address, 2, REDIS_URL=REDIS_URL)
    second = lookups_in_a_new_process(address, 2, REDIS_URL=REDIS_URL)

    assert first == ["True", "True"]
    assert second == ["True", "False"]


def test_with_the_local_memory_cache_each_process_counts_alone(address):
    first = lookups_in_a_new_process(address, 2)
    second = lookups_in_a_new_process(address, 2)

    assert first == ["True", "True"]
    assert second == ["True", "True"]


@pytest.mark.skipif(not redis_is_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_the_redis_backend_increments_only_existing_keys_and_keeps_their_expiry():
    from tracker.status.redis_cache import RedisCache

    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    with pytest.raises(ValueError, match="not found"):
        cache.incr("counter")
    assert cache.get("counter") is None

    cache.add("counter", 1, timeout=30)
    assert [cache.incr("counter"), cache.incr("counter", 5)] == [2, 7]
    assert cache.get("counter") == 7
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("counter")) <= 30
    cache.delete("counter")


@pytest.mark.skipif(not redis_is_up(), reason="Redis is not running on 127.0.0.1:6379")
def test_the_redis_backend_counts_and_reads_in_one_call():
    from tracker.status.redis_cache import RedisCache

    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-{uuid.uuid4()}"})
    cache.set_many({"page": {"html": "<p>"}, "number": 5}, timeout=30)

    first = cache.count_and_get_many("hits", timeout=30, keys=["page", "number", "missing"])
    second = cache.count_and_get_many("hits", timeout=30, keys=[])

    assert first == (1, {"page": {"html": "<p>"}, "number": 5})
    assert second == (2, {})
    client = cache._cache.get_client(write=True)
    assert 0 < client.ttl(cache.make_key("hits")) <= 30
    cache.delete_many(["page", "number", "hits"])
