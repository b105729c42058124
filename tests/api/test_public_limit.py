"""The public JSON of a request is held to the status page's look-up limit, on the same
counter: numbers are sequential, so an unlimited answer would list the whole backlog."""

import pytest
from django.urls import reverse

from tests.factories import log_intake

# The status page's counters start empty for every test, here too.
from tests.status.conftest import empty_cache  # noqa: F401


@pytest.fixture
def number(channel):
    return log_intake(title="Export deals to XLSX").number


def public_json(client, number, **kw):
    return client.get(reverse("api-public-request", args=[number]), **kw)


def status_page(client, number, **kw):
    return client.get(reverse("status_page:request", kwargs={"number": number}), **kw)


def test_lookups_beyond_the_limit_get_a_429_in_the_error_shape(anonymous, settings, number):
    settings.STATUS_PAGE_RATE_LIMIT = 3

    statuses = [public_json(anonymous, number).status_code for _ in range(3)]
    refused = public_json(anonymous, number)

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.STATUS_PAGE_RATE_WINDOW
    [error] = refused.json()["errors"]
    assert (error["field"], error["code"]) == (None, "throttled")


def test_unknown_numbers_count_against_the_limit_too(anonymous, settings, db):
    settings.STATUS_PAGE_RATE_LIMIT = 2

    statuses = [public_json(anonymous, n).status_code for n in (900001, 900002, 900003)]

    assert statuses == [404, 404, 429]


def test_a_client_the_status_page_refuses_is_refused_the_json_too(
    client, anonymous, settings, number
):
    settings.STATUS_PAGE_RATE_LIMIT = 2

    pages = [status_page(client, number).status_code for _ in range(2)]
    refused = public_json(anonymous, number)

    assert pages == [200, 200]
    assert refused.status_code == 429
    assert status_page(client, number).status_code == 429


def test_json_lookups_count_against_the_status_page_too(client, anonymous, settings, number):
    settings.STATUS_PAGE_RATE_LIMIT = 2

    answers = [public_json(anonymous, number).status_code for _ in range(2)]

    assert answers == [200, 200]
    assert status_page(client, number).status_code == 429


def test_the_limit_is_per_client_address(anonymous, settings, number):
    settings.STATUS_PAGE_RATE_LIMIT = 1

    first = public_json(anonymous, number, REMOTE_ADDR="198.51.100.1")
    other = public_json(anonymous, number, REMOTE_ADDR="198.51.100.2")
    again = public_json(anonymous, number, REMOTE_ADDR="198.51.100.1")

    assert [first.status_code, other.status_code, again.status_code] == [200, 200, 429]
