"""The ranked list stays cheap to page through at 100,000 requests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import FeatureRequestFactory
from tracker.api.pagination import ApiPaginator

LIST = reverse("api-requests")


def test_filtering_by_status_and_priority_adds_no_distinct(agent, db):
    FeatureRequestFactory.create_batch(3)

    with CaptureQueriesContext(connection) as queries:
        response = agent.get(LIST, {"status": ["under_review", "accepted"], "priority": "none"})

    assert response.status_code == 200
    assert response.json()["count"] == 3
    listing = [q["sql"] for q in queries.captured_queries if "tracker_featurerequest" in q["sql"]]
    assert listing
    assert not any("DISTINCT" in sql.upper() for sql in listing)


def test_a_filtered_count_stops_at_the_cap_on_postgresql(agent, db, monkeypatch):
    monkeypatch.setattr(ApiPaginator, "count_cap", 3)
    FeatureRequestFactory.create_batch(5)

    body = agent.get(LIST, {"status": "under_review", "page_size": 2}).json()

    assert len(body["results"]) == 2
    assert body["count_estimated"] is False
    if connection.vendor == "postgresql":
        assert (body["count"], body["count_capped"]) == (4, True)
    else:  # one machine, small tables: SQLite counts exactly
        assert (body["count"], body["count_capped"]) == (5, False)


def test_a_short_list_is_counted_exactly(agent, db):
    FeatureRequestFactory.create_batch(2)

    body = agent.get(LIST, {"status": "under_review"}).json()

    assert (body["count"], body["count_capped"], body["count_estimated"]) == (2, False, False)
