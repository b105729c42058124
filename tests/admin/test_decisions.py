import pytest
from django.urls import reverse

from tracker.choices import Event
from tracker.models import FeatureRequest, Notification, StatusChange

BACKLOG = reverse("admin:tracker_featurerequest_changelist")
MERGE = reverse("admin:tracker_featurerequest_merge")


def decide(slug: str) -> str:
    return reverse("admin:tracker_featurerequest_decide", kwargs={"slug": slug})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def wish(log):
    request = log("Export deals to XLSX", quote="xlsx please")
    log(number=request.number, account="globex.bitrix24.com", language="ja")
    request.refresh_from_db()
    return request


@pytest.fixture
def other(log):
    return log("Excel export of deals", account="initech.bitrix24.com", plan="enterprise")


# --- change status ------------------------------------------------------------------------


def test_the_status_action_opens_its_own_page_for_the_selected_requests(pm_client, wish, other):
    response = pm_client.post(
        BACKLOG, {"action": "change_status", "_selected_action": [wish.number, other.number]}
    )

    assert response.status_code == 302
    assert response.url.startswith(decide("status"))
    page = pm_client.get(response.url)
    assert page.status_code == 200
    assert "Export deals to XLSX" in page.content.decode()
    assert "Excel export of deals" in page.content.decode()


def test_changing_status_asks_for_confirmation_before_doing_anything(pm_client, wish):
    response = pm_client.post(
        decide("status"),
        {"ids": wish.number, "status": "accepted", "public_note": "Мы взяли это в работу."},
    )

    assert response.status_code == 200
    assert response.context["confirming"] is True
    assert "2 customer threads will be told" in response.content.decode()
    wish.refresh_from_db()
    assert wish.status == "under_review"


def test_a_product_manager_changes_status_with_a_public_note(pm_client, pm, wish):
    response = pm_client.post(
        decide("status"),
        {
            "ids": wish.number,
            "status": "accepted",
            "public_note": "Мы взяли это в работу.",
            "confirm": "yes",
        },
        follow=True,
    )

    wish.refresh_from_db()
    assert wish.status == "accepted"
    change = StatusChange.objects.filter(request=wish).last()
    assert (change.to_status, change.public_note, change.changed_by) == (
        "accepted",
        "Мы взяли это в работу.",
        pm,
    )
    assert Notification.objects.filter(request=wish, event=Event.STATUS_CHANGED).count() == 2
    assert response.redirect_chain[-1][0] == reverse(
        "admin:tracker_featurerequest_change", args=[wish.number]
    )
    assert "Мы взяли это в работу." in response.content.decode()  # in the history


def test_declining_without_a_reason_is_refused_on_the_form(pm_client, wish):
    response = pm_client.post(
        decide("status"), {"ids": wish.number, "status": "declined", "confirm": "yes"}
    )

    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    wish.refresh_from_db()
    assert wish.status == "under_review"


def test_declining_with_a_reason_is_recorded(pm_client, wish):
    pm_client.post(
        decide("status"),
        {"ids": wish.number, "status": "declined", "reason": "partner_work", "confirm": "yes"},
    )

    wish.refresh_from_db()
    assert (wish.status, wish.decline_reason) == ("declined", "partner_work")


def test_a_forbidden_transition_shows_the_services_refusal_not_a_server_error(pm_client, wish):
    response = pm_client.post(
        decide("status"), {"ids": wish.number, "status": "done", "confirm": "yes"}
    )

    assert response.status_code == 200
    assert "cannot become Done" in str(response.context["form"].errors)
    wish.refresh_from_db()
    assert wish.status == "under_review"


def test_with_several_requests_each_refusal_is_a_message(pm_client, wish, other):
    pm_client.post(decide("status"), {"ids": other.number, "status": "accepted", "confirm": "yes"})
    pm_client.post(
        decide("status"), {"ids": other.number, "status": "in_progress", "confirm": "yes"}
    )

    response = pm_client.post(
        decide("status"),
        {"ids": f"{wish.number},{other.number}", "status": "done", "confirm": "yes"},
        follow=True,
    )

    texts = messages_of(response)
    assert f"#{other.number} is now Done." in texts
    assert any(t.startswith(f"#{wish.number}: ") and "cannot become Done" in t for t in texts)
    assert response.redirect_chain[-1][0] == BACKLOG


# --- priority and criticality -------------------------------------------------------------


def test_a_product_manager_sets_priority_and_the_score_follows(pm_client, wish):
    before = wish.score
    confirm = pm_client.post(decide("priority"), {"ids": wish.number, "priority": "p1"})
    assert "score" in confirm.content.decode() and confirm.context["confirming"]

    pm_client.post(decide("priority"), {"ids": wish.number, "priority": "p1", "confirm": "yes"})

    wish.refresh_from_db()
    assert wish.priority == "p1"
    assert wish.score == before + 50


def test_a_product_manager_sets_criticality_and_can_give_it_back_to_customers(pm_client, wish):
    pm_client.post(
        decide("criticality"), {"ids": wish.number, "criticality": "critical", "confirm": "yes"}
    )
    wish.refresh_from_db()
    assert (wish.criticality, wish.effective_criticality) == ("critical", "critical")

    pm_client.post(decide("criticality"), {"ids": wish.number, "criticality": "", "confirm": "yes"})
    wish.refresh_from_db()
    assert (wish.criticality, wish.effective_criticality) == ("", "normal")


@pytest.mark.parametrize(
    ("slug", "data", "before", "after"),
    [
        ("priority", {"priority": "p2"}, "None", "P2"),
        ("criticality", {"criticality": "critical"}, "Normal", "Critical"),
    ],
)
def test_the_preview_shows_the_score_the_request_will_get(
    pm_client, wish, slug, data, before, after
):
    preview = pm_client.post(decide(slug), {"ids": wish.number, **data})
    [(obj, now, then)] = preview.context["changes"]

    pm_client.post(decide(slug), {"ids": wish.number, **data, "confirm": "yes"})

    wish.refresh_from_db()
    assert obj.number == wish.number
    assert now == f"{before} · score {obj.score:g}"
    assert then == f"{after} · score {wish.score:g}"
    assert wish.score != obj.score


def test_giving_criticality_back_to_customers_previews_the_highest_they_gave(pm_client, wish, log):
    log(number=wish.number, account="umbrella.example", criticality="high")
    pm_client.post(
        decide("criticality"), {"ids": wish.number, "criticality": "low", "confirm": "yes"}
    )

    preview = pm_client.post(decide("criticality"), {"ids": wish.number, "criticality": ""})

    [(_, now, then)] = preview.context["changes"]
    assert now.startswith("Low · ") and then.startswith("High · ")


# --- merge --------------------------------------------------------------------------------


def test_the_merge_page_shows_what_the_survivor_will_have(pm_client, wish, other):
    response = pm_client.post(MERGE, {"ids": f"{wish.number},{other.number}", "into": wish.number})

    assert response.context["confirming"] is True
    assert response.context["after"] == {"customers": 3, "mentions": 3, "threads": 3}
    assert FeatureRequest.objects.get(number=other.number).status == "under_review"


def test_a_product_manager_merges_selected_requests_into_one(pm_client, wish, other):
    pm_client.post(
        MERGE,
        {"ids": f"{wish.number},{other.number}", "into": wish.number, "confirm": "yes"},
    )

    other.refresh_from_db()
    wish.refresh_from_db()
    assert (other.status, other.duplicate_of_id) == ("duplicate", wish.number)
    assert wish.customer_count == 3
    assert Notification.objects.filter(event=Event.MERGED, merged_from=other.number).count() == 1


def test_merging_into_a_declined_request_is_refused_on_the_form(pm_client, wish, other):
    pm_client.post(
        decide("status"),
        {"ids": wish.number, "status": "declined", "reason": "not_planned", "confirm": "yes"},
    )

    response = pm_client.post(
        MERGE,
        {"ids": f"{wish.number},{other.number}", "into": wish.number, "confirm": "yes"},
    )

    # Refused when the form is submitted, before any confirmation, not merge by merge after.
    assert response.status_code == 200
    assert response.context["confirming"] is False
    assert "Declined: requests are merged into an open or done one" in str(
        response.context["form"].errors["into"]
    )
    other.refresh_from_db()
    assert other.status == "under_review"


def test_merging_into_a_missing_request_is_a_form_error(pm_client, wish):
    response = pm_client.post(MERGE, {"ids": wish.number, "into": 999_999, "confirm": "yes"})

    assert response.status_code == 200
    assert "into" in response.context["form"].errors


# --- roles --------------------------------------------------------------------------------

PAGES = [
    (decide("status"), {"status": "accepted", "confirm": "yes"}),
    (decide("priority"), {"priority": "p1", "confirm": "yes"}),
    (decide("criticality"), {"criticality": "critical", "confirm": "yes"}),
]


@pytest.mark.parametrize("who", ["agent_client", "nobody_client"])
@pytest.mark.parametrize(("url", "data"), PAGES)
def test_only_product_managers_may_open_or_post_decision_pages(request, who, url, data, wish):
    client = request.getfixturevalue(who)

    assert client.get(url, {"ids": wish.number}).status_code == 403
    assert client.post(url, {"ids": wish.number, **data}).status_code == 403
    assert FeatureRequest.objects.get(number=wish.number).score == wish.score
    assert FeatureRequest.objects.get(number=wish.number).status == "under_review"


@pytest.mark.parametrize("who", ["agent_client", "nobody_client"])
def test_only_product_managers_may_merge(request, who, wish, other):
    client = request.getfixturevalue(who)

    response = client.post(
        MERGE, {"ids": f"{wish.number},{other.number}", "into": wish.number, "confirm": "yes"}
    )

    assert response.status_code == 403
    assert FeatureRequest.objects.get(number=other.number).status == "under_review"


@pytest.mark.parametrize(
    "action", ["change_status", "merge_selected", "set_priority", "set_criticality"]
)
def test_support_staff_cannot_run_decision_actions_from_the_list(agent_client, action, wish):
    response = agent_client.post(
        BACKLOG, {"action": action, "_selected_action": [wish.number]}, follow=True
    )

    # Support staff have no actions at all: the list ignores the post and opens no page.
    assert response.status_code == 200
    assert response.redirect_chain == []
    assert response.context["action_form"] is None


def test_product_managers_see_the_decision_actions_and_support_staff_do_not(
    pm_client, agent_client, wish
):
    pm_actions = pm_client.get(BACKLOG).context["action_form"].fields["action"].choices
    agent = agent_client.get(BACKLOG).context["action_form"]

    assert {"change_status", "merge_selected", "set_priority", "set_criticality"} <= {
        name for name, _ in pm_actions
    }
    assert agent is None


def test_the_request_page_offers_decisions_to_product_managers_only(pm_client, agent_client, wish):
    url = reverse("admin:tracker_featurerequest_change", args=[wish.number])

    assert "decide-status" in pm_client.get(url).content.decode()
    assert "decide-status" not in agent_client.get(url).content.decode()


def test_no_change_form_edits_status_priority_or_score(pm_client, wish):
    url = reverse("admin:tracker_featurerequest_change", args=[wish.number])

    pm_client.post(
        url,
        {
            "title": "Export deals to XLSX and CSV",
            "description": "",
            "kind": "suggestion",
            "status": "done",
            "priority": "p1",
            "score": "1000",
            "customer_count": "99",
        },
    )

    wish.refresh_from_db()
    assert wish.title == "Export deals to XLSX and CSV"
    assert (wish.status, wish.priority, wish.customer_count) == ("under_review", "none", 2)


def test_nobody_may_delete_a_request(pm_client, wish):
    url = reverse("admin:tracker_featurerequest_delete", args=[wish.number])

    assert pm_client.post(url, {"post": "yes"}).status_code == 403
    assert FeatureRequest.objects.filter(number=wish.number).exists()


def test_an_unknown_decision_page_is_not_found(pm_client, wish):
    assert pm_client.get(decide("delete"), {"ids": wish.number}).status_code == 404


def test_a_number_too_large_for_the_database_is_a_form_error(pm_client, wish):
    response = pm_client.post(MERGE, {"ids": wish.number, "into": 10**30, "confirm": "yes"})

    assert response.status_code == 200
    assert "into" in response.context["form"].errors


def test_a_decision_page_without_requests_goes_back_to_the_list(pm_client, db):
    response = pm_client.get(decide("status"), {"ids": "abc,999999"}, follow=True)

    assert response.redirect_chain[-1][0] == BACKLOG


def test_selecting_more_requests_than_a_page_can_list_is_refused(
    pm_client, wish, other, monkeypatch
):
    monkeypatch.setattr("tracker.admin.requests.decisions.MAX_SELECTED", 1)

    response = pm_client.post(
        BACKLOG,
        {"action": "set_priority", "select_across": "1", "_selected_action": [wish.number]},
        follow=True,
    )

    assert "Select at most 1 requests at once." in messages_of(response)
    assert response.redirect_chain[-1][0] == BACKLOG
