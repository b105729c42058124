"""The backlog's default view is the open work; any set of statuses is one click away."""

import pytest
from django.urls import reverse

from tracker.models import FeatureRequest
from tracker.services import request_merge, request_set_priority, request_transition

BACKLOG = reverse("admin:tracker_featurerequest_changelist")


def listed(response) -> list[int]:
    return [obj.number for obj in response.context["cl"].result_list]


@pytest.fixture
def work(log, pm):
    """One request in each state a product manager meets, the merged one given the best
    score before its merge."""
    numbers = {}
    for name in ("review", "accepted", "progress", "done", "declined", "merged", "survivor"):
        numbers[name] = log(f"Wish {name}", account=f"{name}.example").number
    request_set_priority(number=numbers["merged"], priority="p1", by=pm)
    request_transition(number=numbers["accepted"], status="accepted", public_note="", by=pm)
    for status in ("accepted", "in_progress"):
        request_transition(number=numbers["progress"], status=status, public_note="", by=pm)
    for status in ("accepted", "in_progress", "done"):
        request_transition(number=numbers["done"], status=status, public_note="", by=pm)
    request_transition(
        number=numbers["declined"], status="declined", reason="not_planned", public_note="", by=pm
    )
    request_merge(number=numbers["merged"], into=numbers["survivor"], by=pm)
    # A frozen score far above every other: it must still not rank among open work.
    FeatureRequest.objects.filter(number=numbers["merged"]).update(score=1000)
    return numbers


def test_the_default_view_is_open_requests_not_merged_best_first(pm_client, work):
    request_set_priority(number=work["accepted"], priority="p1")

    response = pm_client.get(BACKLOG)

    assert response.status_code == 200
    numbers = listed(response)
    assert sorted(numbers) == sorted(
        work[n] for n in ("review", "accepted", "progress", "survivor")
    )
    assert numbers[0] == work["accepted"]
    scores = [FeatureRequest.objects.get(number=n).score for n in numbers]
    assert scores == sorted(scores, reverse=True)


def test_one_click_shows_everything(pm_client, work):
    response = pm_client.get(BACKLOG)
    everything = next(
        choice
        for spec in response.context["cl"].filter_specs
        for choice in spec.choices(response.context["cl"])
        if choice["display"] == "Everything"
    )

    response = pm_client.get(BACKLOG + everything["query_string"])

    assert sorted(listed(response)) == sorted(work.values())
    assert listed(response)[0] == work["merged"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("under_review,accepted", ["review", "accepted", "survivor"]),
        ("done,declined", ["done", "declined"]),
        ("duplicate", ["merged"]),
        ("in_progress", ["progress"]),
        ("no_such_status", []),
    ],
)
def test_it_filters_by_any_set_of_statuses(pm_client, work, query, expected):
    response = pm_client.get(BACKLOG, {"status__in": query})

    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(work[name] for name in expected)


def test_several_statuses_can_be_chosen_by_toggling_them(pm_client, work):
    response = pm_client.get(BACKLOG, {"status__in": "done"})
    declined = next(
        choice
        for spec in response.context["cl"].filter_specs
        for choice in spec.choices(response.context["cl"])
        if choice["display"] == "Declined"
    )
    assert not declined["selected"]

    response = pm_client.get(BACKLOG + declined["query_string"])

    assert sorted(listed(response)) == sorted([work["done"], work["declined"]])
    content = response.content.decode()
    assert "status__in=done%2Cdeclined" in content or "status__in=done,declined" in content


def test_the_status_filter_combines_with_other_filters_and_search(pm_client, work):
    response = pm_client.get(BACKLOG, {"status__in": "done,under_review", "q": "Wish done"})

    assert listed(response) == [work["done"]]


# --- why each row ranks where it does -------------------------------------------------------


def test_each_row_shows_the_parts_of_its_score(pm_client, log):
    from tracker.services import request_set_criticality

    wish = log("Export deals to XLSX", plan="enterprise", criticality="high")
    log(number=wish.number, account="initech.example", plan="free")
    set_by_pm = log("Dark mode", account="umbrella.example", plan="basic")
    request_set_priority(number=set_by_pm.number, priority="p1")
    request_set_criticality(number=set_by_pm.number, criticality="critical")

    response = pm_client.get(BACKLOG)

    content = response.content.decode()
    assert (
        "<span>2 customers (×1.8)</span> · <span>High</span> · <span>no priority</span>" in content
    )
    assert "<span>1 customer (×1)</span> · <span>Critical (set)</span> · <span>P1</span>" in content
