"""The look-up limit is kept in Django's cache: with Redis it holds across processes."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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


def test_with_redis_the_limit_holds_across_processes(address, redis_url):
    first = lookups_in_a_new_process(address, 2, REDIS_URL=redis_url)
    second = lookups_in_a_new_process(address, 2, REDIS_URL=redis_url)

    assert first == ["True", "True"]
    assert second == ["True", "False"]


def test_with_the_local_memory_cache_each_process_counts_alone(address):
    first = lookups_in_a_new_process(address, 2)
    second = lookups_in_a_new_process(address, 2)

    assert first == ["True", "True"]
    assert second == ["True", "True"]
