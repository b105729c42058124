"""GET /api/requests/<number>/history/: every decision about a request, for staff."""

from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import UserFactory, log_intake
from tracker import services


def history(number):
    return reverse("api-request-history", args=[number])


def test_it_lists_every_decision_oldest_first_with_who_when_and_both_values(
    agent, channel, product_manager
):
    number = log_intake(title="Export deals", ref="c1").number
    services.request_set_priority(number=number, priority="p2", by=product_manager)
    services.request_set_criticality(number=number, criticality="high", by=product_manager)
    services.request_edit(
        number=number,
        title="Export deals to XLSX",
        description="",
        kind="suggestion",
        by=product_manager,
    )
    services.request_transition(number=number, status="accepted", by=product_manager)

    response = agent.get(history(number))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    rows = [(r["kind"], r["field"], r["old"], r["new"], r["by"]) for r in body["results"]]
    assert rows == [
        ("priority", "priority", "none", "p2", "pm"),
        ("criticality", "criticality", "", "high", "pm"),
        ("wording", "title", "Export deals", "Export deals to XLSX", "pm"),
        ("status", "status", "under_review", "accepted", "pm"),
    ]
    assert all(r["at"] for r in body["results"])


def test_a_merge_shows_on_both_requests(agent, channel, product_manager):
    duplicate = log_intake(title="Excel export", ref="c1").number
    survivor = log_intake(title="Export deals to XLSX", ref="c2").number
    services.request_merge(number=duplicate, into=survivor, by=product_manager)

    merged = agent.get(history(duplicate)).json()["results"]
    kept = agent.get(history(survivor)).json()["results"]

    assert [(r["field"], r["new"]) for r in merged] == [
        ("status", "duplicate"),
        ("duplicate_of", str(survivor)),
    ]
    assert [(r["kind"], r["field"], r["old"], r["new"]) for r in kept] == [
        ("merge", "duplicates", "", str(duplicate))
    ]


def test_a_decision_without_a_user_names_nobody(agent, channel):
    number = log_intake(title="Export deals", ref="c1").number
    services.request_set_priority(number=number, priority="p1")

    assert agent.get(history(number)).json()["results"][0]["by"] is None


def test_a_request_without_decisions_has_an_empty_history(agent, channel):
    number = log_intake(title="Export deals", ref="c1").number

    body = agent.get(history(number)).json()

    assert (body["count"], body["results"]) == (0, [])


def test_it_is_paginated(agent, channel, product_manager):
    number = log_intake(title="Export deals", ref="c1").number
    for priority in ["p1", "p2", "p3", "p4", "none"]:
        services.request_set_priority(number=number, priority=priority, by=product_manager)

    first = agent.get(history(number), {"page_size": 2}).json()
    last = agent.get(history(number), {"page_size": 2, "page": 3}).json()

    assert first["count"] == 5
    assert [r["new"] for r in first["results"]] == ["p1", "p2"]
    assert first["next"] is not None
    assert [r["new"] for r in last["results"]] == ["none"]
    assert last["next"] is None


def test_an_unknown_request_is_a_404_in_the_error_shape(agent, channel):
    response = agent.get(history(999_999))

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_it_is_for_staff_only(channel, support_agent, product_manager):
    number = log_intake(title="Export deals", ref="c1").number
    services.request_set_priority(number=number, priority="p1", by=product_manager)
    stranger = UserFactory(username="stranger")

    assert client_for(None).get(history(number)).status_code == 401
    assert client_for(stranger).get(history(number)).status_code == 403
    assert client_for(support_agent).get(history(number)).json()["count"] == 1
    assert client_for(product_manager).get(history(number)).json()["count"] == 1


def test_the_decisions_taken_through_the_api_name_the_caller(pm, channel, product_manager):
    number = log_intake(title="Export deals", ref="c1").number

    pm.patch(reverse("api-request", args=[number]), {"priority": "p3"}, format="json")
    pm.post(reverse("api-request-transition", args=[number]), {"status": "accepted"}, format="json")

    rows = pm.get(history(number)).json()["results"]
    assert [(r["field"], r["new"], r["by"]) for r in rows] == [
        ("priority", "p3", "pm"),
        ("status", "accepted", "pm"),
    ]
