"""GET /api/requests/<number>/mentions/: who raised a request, where, in which words, and
for a defect the report that intake insisted on."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.api import conftest
from tests.api.conftest import intake_payload
from tests.factories import ChannelFactory, UserFactory, log_intake
from tracker.services import DefectReport, request_merge

DEFECT = {
    **conftest.DEFECT,
    "attachments": ["https://files.example.com/screen1.png", "http://v.example.com/1.mp4"],
}


def mentions(number: int) -> str:
    return reverse("api-request-mentions", args=[number])


@pytest.fixture
def defect(agent, channel):
    """A defect logged through intake by support staff, and a second customer's thread."""
    response = agent.post(
        reverse("api-intake"),
        intake_payload(title="Export gives a blank page", **DEFECT),
        format="json",
    )
    assert response.status_code == 201
    number = response.json()["number"]
    log_intake(
        number=number,
        account="globex.bitrix24.com",
        name="",
        ref="chat42",
        language="ja",
        quote="真っ白です",
        criticality="critical",
    )
    return number


def test_it_lists_each_mention_with_who_where_and_when_newest_first(pm, defect):
    response = pm.get(mentions(defect))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    latest, first = body["results"]
    assert latest["account"] == {
        "external_id": "globex.bitrix24.com",
        "name": "globex.bitrix24.com",
        "plan": "professional",
    }
    assert latest["thread"] == {"channel": "hooks-main", "ref": "chat42"}
    assert (latest["language"], latest["quote"], latest["criticality"]) == (
        "ja",
        "真っ白です",
        "critical",
    )
    assert latest["logged_by"] is None  # logged by the service, not by a user
    assert latest["request"] == defect
    assert first["account"] == {
        "external_id": "acme.bitrix24.com",
        "name": "Acme",
        "plan": "professional",
    }
    assert first["thread"] == {"channel": "hooks-main", "ref": "chat4711"}
    assert first["logged_by"] == "agent"
    assert first["created_at"] <= latest["created_at"]


def test_a_defect_mention_carries_its_report(pm, defect):
    first = pm.get(mentions(defect)).json()["results"][1]

    assert first["report"] == {
        "steps": DEFECT["steps"],
        "started_how": DEFECT["started_how"],
        "expected": DEFECT["expected"],
        "actual": DEFECT["actual"],
        "attachments": DEFECT["attachments"],
    }


def test_a_mention_without_a_report_says_so_with_null(pm, defect):
    latest = pm.get(mentions(defect)).json()["results"][0]

    assert latest["report"] is None


def test_a_survivor_lists_the_mentions_of_requests_merged_into_it(pm, channel):
    survivor = log_intake(title="Export deals to XLSX", ref="c1").number
    duplicate = log_intake(title="Excel export", ref="c2", account="globex").number
    request_merge(number=duplicate, into=survivor)

    survivors = pm.get(mentions(survivor)).json()
    duplicates = pm.get(mentions(duplicate)).json()

    assert sorted((m["thread"]["ref"], m["request"]) for m in survivors["results"]) == [
        ("c1", survivor),
        ("c2", duplicate),
    ]
    assert [(m["thread"]["ref"], m["request"]) for m in duplicates["results"]] == [
        ("c2", duplicate)
    ]


def test_a_user_who_logged_a_mention_and_is_gone_is_null(pm, agent, defect):
    User.objects.filter(username="agent").delete()

    first = pm.get(mentions(defect)).json()["results"][1]

    assert first["logged_by"] is None


def test_an_unknown_number_is_a_404_in_the_error_shape(pm, db):
    response = pm.get(mentions(999_999))

    assert response.status_code == 404
    assert response.json() == {
        "errors": [{"field": None, "code": "not_found", "message": "There is no request 999999."}]
    }


def test_it_is_paginated_like_every_list(pm, defect):
    page = pm.get(mentions(defect), {"page_size": 1}).json()
    second = pm.get(mentions(defect), {"page_size": 1, "page": 2}).json()

    assert (page["count"], len(page["results"]), page["count_capped"]) == (2, 1, False)
    assert page["next"] is not None
    assert second["results"][0]["thread"]["ref"] == "chat4711"


@pytest.mark.parametrize(
    ("caller", "expected"),
    [("anonymous", 401), ("stranger", 403), ("agent", 200), ("pm", 200)],
)
def test_staff_read_mentions_and_nobody_else(request, defect, caller, expected):
    client = request.getfixturevalue(caller)

    response = client.get(mentions(defect))

    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()["errors"][0]) == {"field", "code", "message"}


def test_the_number_of_queries_does_not_grow_with_the_mentions(
    pm, channel, django_assert_max_num_queries
):
    def listing_queries(number: int) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert pm.get(mentions(number)).status_code == 200
        return len(queries)

    one = log_intake(title="Dark theme", ref="solo").number
    many = log_intake(title="Calendar sync", ref="m0").number
    other = ChannelFactory(slug="b24-main", name="Bitrix24")
    report = DefectReport(
        steps="Open it",
        started_how="Toolbar",
        expected="Works",
        actual="Fails",
        attachments=["https://files.example.com/1.png"],
    )
    for index in range(1, 12):
        log_intake(
            channel=(other if index % 2 else channel).slug,
            number=many,
            account=f"customer{index}",
            ref=f"m{index}",
            kind="defect",
            report=report,
            logged_by=UserFactory(username=f"agent{index}"),
        )

    queries = listing_queries(one)
    with django_assert_max_num_queries(queries):
        assert len(pm.get(mentions(many)).json()["results"]) == 12
