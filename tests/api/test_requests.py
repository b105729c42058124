from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.api.conftest import errors_by_field
from tests.factories import log_intake
from tracker import services
from tracker.choices import Event, Priority, Status
from tracker.models import FeatureRequest, Notification, StatusChange

LIST = reverse("api-requests")


def detail(number):
    return reverse("api-request", args=[number])


def numbers(response):
    return [r["number"] for r in response.json()["results"]]


def backlog(channel):
    """Three requests: one asked by three customers, one by two, one by one."""
    popular = log_intake(title="Export deals to XLSX", account="a.example.com", ref="c1")
    for i, account in enumerate(["b.example.com", "c.example.com"]):
        log_intake(number=popular.number, account=account, ref=f"c1-{i}")
    middling = log_intake(title="Dark theme", account="d.example.com", ref="c2", language="ja")
    log_intake(number=middling.number, account="e.example.com", ref="c2-1", language="ja")
    lonely = log_intake(title="Calendar sync", account="f.example.com", ref="c3")
    return popular.number, middling.number, lonely.number


def test_the_list_is_ranked_by_score_best_first(agent, channel):
    popular, middling, lonely = backlog(channel)

    response = agent.get(LIST)

    assert response.status_code == 200
    assert numbers(response) == [popular, middling, lonely]
    assert response.json()["count"] == 3
    first = response.json()["results"][0]
    assert first["customer_count"] == 3
    assert first["score"] == FeatureRequest.objects.get(number=popular).score


def test_the_list_is_paginated(agent, channel):
    backlog(channel)

    response = agent.get(LIST, {"page_size": 2})

    assert len(response.json()["results"]) == 2
    assert response.json()["next"] is not None


def test_a_priority_lifts_a_request_up_the_list(agent, channel, product_manager):
    _popular, _middling, lonely = backlog(channel)
    services.request_set_priority(number=lonely, priority=Priority.P1, by=product_manager)

    assert numbers(agent.get(LIST))[0] == lonely


def test_the_list_filters_by_status(agent, channel, product_manager):
    popular, middling, lonely = backlog(channel)
    services.request_transition(number=middling, status=Status.ACCEPTED, by=product_manager)

    assert numbers(agent.get(LIST, {"status": "accepted"})) == [middling]
    assert numbers(agent.get(LIST, {"status": ["accepted", "under_review"]})) == [
        popular,
        middling,
        lonely,
    ]


def test_the_list_filters_by_account_language_and_channel(agent, channel):
    popular, middling, lonely = backlog(channel)

    assert numbers(agent.get(LIST, {"account": "e.example.com"})) == [middling]
    assert numbers(agent.get(LIST, {"language": "ja"})) == [middling]
    assert numbers(agent.get(LIST, {"channel": "hooks-main"})) == [popular, middling, lonely]
    assert numbers(agent.get(LIST, {"channel": "elsewhere"})) == []


def test_the_account_filter_counts_requests_merged_into_the_one_listed(
    agent, channel, product_manager
):
    popular, _middling, lonely = backlog(channel)
    services.request_merge(number=lonely, into=popular, by=product_manager)

    assert numbers(agent.get(LIST, {"account": "f.example.com"})) == [popular, lonely]


def test_the_list_filters_by_kind_priority_and_criticality(agent, channel, product_manager):
    _popular, middling, lonely = backlog(channel)
    services.request_set_priority(number=middling, priority=Priority.P3, by=product_manager)
    services.request_set_criticality(number=lonely, criticality="critical", by=product_manager)

    assert numbers(agent.get(LIST, {"priority": "p3"})) == [middling]
    assert numbers(agent.get(LIST, {"criticality": "critical"})) == [lonely]
    assert numbers(agent.get(LIST, {"kind": "defect"})) == []


def test_the_list_filters_by_text_and_raised_since(agent, channel):
    popular, middling, lonely = backlog(channel)
    FeatureRequest.objects.filter(number=lonely).update(
        last_raised_at=timezone.now() - timedelta(days=30)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()

    assert numbers(agent.get(LIST, {"q": "theme"})) == [middling]
    assert numbers(agent.get(LIST, {"raised_since": since})) == [popular, middling]


def test_the_text_filter_also_finds_a_number_and_customers_words(agent, channel):
    popular, middling, lonely = backlog(channel)
    log_intake(number=lonely, account="g.example.com", ref="c3-1", quote="синхронизация с Google")

    assert numbers(agent.get(LIST, {"q": str(middling)})) == [middling]
    assert numbers(agent.get(LIST, {"q": f"#{popular}"})) == [popular]
    assert numbers(agent.get(LIST, {"q": "синхронизация"})) == [lonely]


def test_the_criticality_filter_falls_back_to_the_customers_highest(
    agent, channel, product_manager
):
    popular, middling, lonely = backlog(channel)
    log_intake(number=middling, account="h.example.com", ref="c2-2", criticality="critical")
    services.request_set_criticality(number=lonely, criticality="low", by=product_manager)

    assert numbers(agent.get(LIST, {"criticality": ["critical", "high"]})) == [middling]
    assert numbers(agent.get(LIST, {"criticality": "normal"})) == [popular]
    assert numbers(agent.get(LIST, {"criticality": "low"})) == [lonely]


def test_the_list_can_be_ordered_otherwise(agent, channel):
    popular, middling, lonely = backlog(channel)

    assert numbers(agent.get(LIST, {"ordering": "-number"})) == [lonely, middling, popular]


def test_a_wrong_filter_value_is_a_400_naming_the_parameter(agent, channel):
    response = agent.get(LIST, {"status": "shipped"})

    assert response.status_code == 400
    assert "status" in errors_by_field(response)


def test_the_detail_explains_the_score_and_gives_demand_figures(agent, channel):
    popular, _, _ = backlog(channel)
    request = FeatureRequest.objects.get(number=popular)

    response = agent.get(detail(popular))

    assert response.status_code == 200
    body = response.json()
    assert body["ranking"]["score"] == request.score
    assert [p["name"] for p in body["ranking"]["parts"]] == ["demand", "criticality", "priority"]
    assert sum(p["points"] for p in body["ranking"]["parts"]) == request.score
    assert body["demand"] == {
        "customer_count": 3,
        "demand_weight": 6.0,
        "mention_count": 3,
        "mention_criticality": "normal",
        "last_raised_at": body["demand"]["last_raised_at"],
    }
    assert body["status_url"].endswith(f"/status/{popular}/")


def test_the_detail_lists_merged_requests_in_as_many_queries_however_many(
    agent, channel, product_manager
):
    survivor, middling, lonely = backlog(channel)
    services.request_merge(number=middling, into=survivor, by=product_manager)
    agent.get(detail(survivor))  # warm the token look-up's caches
    with CaptureQueriesContext(connection) as one:
        agent.get(detail(survivor))
    services.request_merge(number=lonely, into=survivor, by=product_manager)

    with CaptureQueriesContext(connection) as two:
        body = agent.get(detail(survivor)).json()

    assert body["duplicates"] == sorted([middling, lonely])
    assert len(two) == len(one)


def test_the_detail_of_a_missing_request_is_a_404(agent, db):
    response = agent.get(detail(999_999))

    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "not_found"


def test_a_product_manager_accepts_a_request_and_every_thread_is_told(pm, channel):
    popular, _, _ = backlog(channel)

    response = pm.post(
        reverse("api-request-transition", args=[popular]),
        {"status": "accepted", "public_note": "We will build it."},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["status"] == "accepted"
    change = StatusChange.objects.filter(request_id=popular).last()
    assert (change.to_status, change.public_note, change.changed_by.username) == (
        "accepted",
        "We will build it.",
        "pm",
    )
    assert Notification.objects.filter(event=Event.STATUS_CHANGED).count() == 3


def test_declining_needs_a_reason(pm, channel):
    popular, _, _ = backlog(channel)

    response = pm.post(
        reverse("api-request-transition", args=[popular]), {"status": "declined"}, format="json"
    )

    assert response.status_code == 400
    assert errors_by_field(response)["reason"]["code"] == "invalid"
    assert FeatureRequest.objects.get(number=popular).status == Status.UNDER_REVIEW


def test_declining_with_a_reason_records_it(pm, channel):
    popular, _, _ = backlog(channel)

    response = pm.post(
        reverse("api-request-transition", args=[popular]),
        {"status": "declined", "reason": "partner_work"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["decline_reason"] == "partner_work"


def test_a_transition_the_status_does_not_allow_is_a_409(pm, channel):
    popular, _, _ = backlog(channel)

    response = pm.post(
        reverse("api-request-transition", args=[popular]), {"status": "done"}, format="json"
    )

    assert response.status_code == 409
    assert errors_by_field(response)["status"]["code"] == "transition_not_allowed"


def test_a_transition_of_a_missing_request_is_a_404(pm, db):
    response = pm.post(
        reverse("api-request-transition", args=[999_999]), {"status": "accepted"}, format="json"
    )

    assert response.status_code == 404


def test_a_product_manager_merges_a_duplicate(pm, channel):
    popular, middling, _ = backlog(channel)

    response = pm.post(
        reverse("api-request-merge", args=[middling]), {"into": popular}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["number"] == popular
    assert body["duplicates"] == [middling]
    assert body["demand"]["customer_count"] == 5
    merged = FeatureRequest.objects.get(number=middling)
    assert (merged.status, merged.duplicate_of_id) == (Status.DUPLICATE, popular)
    assert Notification.objects.filter(event=Event.MERGED).count() == 2


def test_merging_into_itself_is_a_409(pm, channel):
    popular, _, _ = backlog(channel)

    response = pm.post(
        reverse("api-request-merge", args=[popular]), {"into": popular}, format="json"
    )

    assert response.status_code == 409
    assert errors_by_field(response)["into"]["code"] == "merge_not_allowed"


def test_merging_into_a_missing_request_is_a_400_naming_into(pm, channel):
    popular, _, _ = backlog(channel)

    response = pm.post(
        reverse("api-request-merge", args=[popular]), {"into": 999_999}, format="json"
    )

    assert response.status_code == 400
    assert errors_by_field(response)["into"]["code"] == "not_found"


def test_a_product_manager_sets_priority_and_criticality(pm, channel):
    popular, _, _ = backlog(channel)
    before = FeatureRequest.objects.get(number=popular).score

    response = pm.patch(
        detail(popular), {"priority": "p1", "criticality": "critical"}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["priority"], body["criticality"], body["criticality_set"]) == (
        "p1",
        "critical",
        "critical",
    )
    assert FeatureRequest.objects.get(number=popular).score > before


def test_a_blank_criticality_goes_back_to_the_customers_highest(pm, channel):
    popular, _, _ = backlog(channel)
    pm.patch(detail(popular), {"criticality": "critical"}, format="json")

    response = pm.patch(detail(popular), {"criticality": ""}, format="json")

    assert response.json()["criticality"] == "normal"
    assert response.json()["criticality_set"] == ""


def test_an_unknown_priority_is_a_400(pm, channel):
    popular, _, _ = backlog(channel)

    response = pm.patch(detail(popular), {"priority": "urgent"}, format="json")

    assert response.status_code == 400
    assert errors_by_field(response)["priority"]["code"] == "invalid_choice"


def test_support_staff_cannot_decide(agent, channel):
    popular, middling, _ = backlog(channel)

    assert agent.patch(detail(popular), {"priority": "p1"}, format="json").status_code == 403
    transition = reverse("api-request-transition", args=[popular])
    assert agent.post(transition, {"status": "accepted"}, format="json").status_code == 403
    merge = reverse("api-request-merge", args=[middling])
    assert agent.post(merge, {"into": popular}, format="json").status_code == 403
    request = FeatureRequest.objects.get(number=popular)
    assert (request.priority, request.status) == ("none", "under_review")
    assert FeatureRequest.objects.get(number=middling).status == "under_review"


def test_accounts_and_threads_can_be_read(agent, channel):
    popular, _, _ = backlog(channel)

    accounts = agent.get(reverse("api-accounts")).json()
    account = agent.get(reverse("api-account", args=["a.example.com"])).json()
    threads = agent.get(reverse("api-threads"), {"account__external_id": "a.example.com"}).json()

    assert accounts["count"] == 6
    assert (account["external_id"], account["plan"]) == ("a.example.com", "professional")
    assert [(t["channel"], t["ref"], t["requests"]) for t in threads["results"]] == [
        ("hooks-main", "c1", [popular])
    ]
    thread = agent.get(reverse("api-thread", args=[threads["results"][0]["id"]])).json()
    assert thread["account"] == "a.example.com"


def test_a_missing_account_or_thread_is_a_404(agent, db):
    assert agent.get(reverse("api-account", args=["nobody.example.com"])).status_code == 404
    assert agent.get(reverse("api-thread", args=[999_999])).status_code == 404
