"""With REDIS_URL set, a look-up spends at most one Redis round trip, and none when this
process holds the page (STATUS_PAGE_LOCAL_SECONDS) and the client is far from the limit
(STATUS_PAGE_RATE_BATCH); the limit still holds, and a change is still seen at once."""

import uuid

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import reverse
from redis.connection import Connection

from tests.status.test_views import text_of
from tracker import services
from tracker.status import limits, pages
from tracker.status.store import CACHE_ALIAS


@pytest.fixture
def redis(redis_url, settings):
    backend = {
        "BACKEND": "tracker.status.redis_cache.RedisCache",
        "LOCATION": redis_url,
        "KEY_PREFIX": f"test-{uuid.uuid4()}",
    }
    settings.STATUS_PAGE_LOCAL_SECONDS = 60
    settings.STATUS_PAGE_RATE_BATCH = 4
    with override_settings(CACHES={"default": backend, CACHE_ALIAS: backend}):
        pages._held.clear()
        limits._unsent.clients.clear()
        yield caches[CACHE_ALIAS]
        pages._held.clear()
        caches[CACHE_ALIAS].clear()


@pytest.fixture
def round_trips(monkeypatch):
    """The commands this process sends to Redis, counted where redis-py writes them."""
    sent = []
    original = Connection.send_packed_command

    def counting(self, command, *args, **kwargs):
        sent.append(command)
        return original(self, command, *args, **kwargs)

    monkeypatch.setattr(Connection, "send_packed_command", counting)
    return sent


def look_up(client, number, address="203.0.113.7"):
    return client.get(
        reverse("status_page:request", kwargs={"number": number}), REMOTE_ADDR=address
    )


def test_a_page_this_process_holds_costs_no_round_trip(client, export_request, redis, round_trips):
    first = look_up(client, export_request.number)
    trips_of_the_first = len(round_trips)
    rest = [look_up(client, export_request.number) for _ in range(2)]

    assert [r.status_code for r in [first, *rest]] == [200] * 3
    assert "Export deals to XLSX" in text_of(rest[-1])
    assert trips_of_the_first > 0
    assert len(round_trips) == trips_of_the_first


def test_a_page_not_held_costs_one_round_trip(client, export_request, redis, round_trips):
    look_up(client, export_request.number)
    pages._held.clear()
    before = len(round_trips)

    response = look_up(client, export_request.number)

    assert response.status_code == 200
    assert len(round_trips) - before == 1


def test_a_change_is_seen_at_once_by_the_process_that_made_it(
    client, export_request, redis, django_capture_on_commit_callbacks
):
    assert "Status: Accepted" in text_of(look_up(client, export_request.number))

    with django_capture_on_commit_callbacks(execute=True):
        services.request_transition(number=export_request.number, status="in_progress")

    assert "Status: In progress" in text_of(look_up(client, export_request.number))


def test_the_limit_holds_with_batched_counts(client, export_request, redis, settings):
    settings.STATUS_PAGE_RATE_LIMIT = 20

    codes = [look_up(client, export_request.number).status_code for _ in range(22)]

    assert codes == [200] * 20 + [429] * 2


def test_batched_counts_reach_redis(client, export_request, redis, settings, round_trips):
    settings.STATUS_PAGE_RATE_LIMIT = 1000
    look_up(client, export_request.number, address="198.51.100.9")
    before = len(round_trips)
    for _ in range(12):
        look_up(client, export_request.number, address="198.51.100.9")
    trips = len(round_trips) - before

    counters = [key for key in redis._cache.get_client().keys("*status_page:rate:198.51*")]
    counted = int(redis._cache.get_client().get(counters[0]))
    # Told in batches of at most 4: what is not told yet is fewer than a batch.
    assert 13 - 4 < counted <= 13
    assert trips == 12 // 4
