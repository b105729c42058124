"""Decision forms start from the request's current values and refuse an impossible choice
before the confirmation page, naming statuses by their labels."""

import pytest
from django.urls import reverse
from django.utils import translation

from tracker.models import FeatureRequest, StatusChange
from tracker.services import request_set_criticality, request_set_priority, request_transition


def decide(slug: str) -> str:
    return reverse("admin:tracker_featurerequest_decide", kwargs={"slug": slug})


@pytest.fixture
def wish(log):
    return log("Export deals to XLSX", quote="xlsx please")


@pytest.fixture
def other(log):
    return log("Dark mode", account="initech.bitrix24.com")


@pytest.mark.parametrize(
    ("slug", "field", "set_up", "expected"),
    [
        ("priority", "priority", lambda n: request_set_priority(number=n, priority="p2"), "p2"),
        ("priority", "priority", lambda n: None, "none"),
        (
            "criticality",
            "criticality",
            lambda n: request_set_criticality(number=n, criticality="high"),
            "high",
        ),
        ("criticality", "criticality", lambda n: None, ""),
        (
            "status",
            "status",
            lambda n: request_transition(number=n, status="accepted", public_note=""),
            "accepted",
        ),
    ],
)
def test_each_decision_form_starts_from_the_current_value(
    pm_client, wish, slug, field, set_up, expected
):
    set_up(wish.number)

    response = pm_client.get(decide(slug), {"ids": wish.number})

    assert response.status_code == 200
    form = response.context["form"]
    assert form[field].value() == expected
    assert f'<option value="{expected}" selected>' in str(form[field])


def test_a_priority_form_for_requests_of_different_priorities_preselects_nothing(
    pm_client, wish, other
):
    request_set_priority(number=wish.number, priority="p1")

    response = pm_client.get(decide("priority"), {"ids": f"{wish.number},{other.number}"})

    assert response.context["form"]["priority"].value() is None


def test_an_impossible_transition_is_refused_before_the_confirmation_page(pm_client, wish):
    response = pm_client.post(decide("status"), {"ids": wish.number, "status": "done"})

    assert response.status_code == 200
    assert response.context["confirming"] is False
    errors = response.context["form"].errors["status"]
    assert errors == ["A request that is Under review cannot become Done."]
    wish.refresh_from_db()
    assert wish.status == "under_review"
    assert StatusChange.objects.filter(request=wish).count() == 1  # only its registration


def test_keeping_the_current_status_is_refused_too(pm_client, wish):
    response = pm_client.post(decide("status"), {"ids": wish.number, "status": "under_review"})

    assert response.context["confirming"] is False
    assert "cannot become Under review" in str(response.context["form"].errors)


def test_a_possible_transition_reaches_the_confirmation_page(pm_client, wish):
    response = pm_client.post(decide("status"), {"ids": wish.number, "status": "accepted"})

    assert response.context["confirming"] is True
    assert FeatureRequest.objects.get(number=wish.number).status == "under_review"


def test_several_requests_are_refused_only_when_none_of_them_can_take_the_status(
    pm_client, wish, other
):
    ids = f"{wish.number},{other.number}"
    request_transition(number=other.number, status="accepted", public_note="")

    refused = pm_client.post(decide("status"), {"ids": ids, "status": "done"})
    allowed = pm_client.post(decide("status"), {"ids": ids, "status": "in_progress"})

    assert refused.context["confirming"] is False
    assert refused.context["form"].errors["status"] == [
        "None of the selected requests can become Done."
    ]
    assert allowed.context["confirming"] is True


def test_the_refusal_names_statuses_in_the_users_language(pm_client, wish):
    with translation.override("ru"):
        response = pm_client.post(
            decide("status"),
            {"ids": wish.number, "status": "done"},
            headers={"accept-language": "ru"},
        )

    error = str(response.context["form"].errors["status"])
    assert "done" not in error
    assert "under_review" not in error


def test_the_support_staff_cannot_open_a_decision_form(agent_client, wish):
    response = agent_client.get(decide("priority"), {"ids": wish.number})

    assert response.status_code == 403
