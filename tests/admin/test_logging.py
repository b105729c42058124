import pytest
from django.urls import reverse

from tracker.choices import Event
from tracker.models import FeatureRequest, Mention, Notification

ADD = reverse("admin:tracker_featurerequest_add")


def mention_page(number: int) -> str:
    return reverse("admin:tracker_featurerequest_mention", args=[number])


def thread_input(**overrides):
    return {
        "account_external_id": "sakura.bitrix24.jp",
        "account_name": "Sakura",
        "plan": "standard",
        "channel": "hooks-main",
        "thread_ref": "chat9001",
        "language": "ja",
        "quote": "取引をExcelに出力したいです",
        "mention_criticality": "high",
        **overrides,
    }


def test_support_staff_log_a_new_request_through_the_services(agent_client, agent, hooks):
    response = agent_client.post(
        ADD, {"title": "Export deals to XLSX", "kind": "suggestion", **thread_input()}
    )

    request = FeatureRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("admin:tracker_featurerequest_change", args=[request.number])
    assert (request.customer_count, request.mention_criticality) == (1, "high")
    assert request.created_by == agent
    mention = Mention.objects.get()
    assert (mention.thread.ref, mention.thread.language, mention.quote) == (
        "chat9001",
        "ja",
        "取引をExcelに出力したいです",
    )
    assert Notification.objects.get().event == Event.REGISTERED


def test_logging_the_same_thread_and_title_twice_logs_one_request(agent_client, hooks):
    data = {"title": "Export deals to XLSX", "kind": "suggestion", **thread_input()}
    agent_client.post(ADD, data)

    # The first one is now the most similar request: logging again is a deliberate choice.
    response = agent_client.post(ADD, {**data, "none_alike": "on"}, follow=True)

    assert FeatureRequest.objects.count() == 1
    assert any("already raised" in str(m) for m in response.context["messages"])


def test_an_incomplete_defect_report_lists_what_is_missing_on_the_form(agent_client, hooks):
    response = agent_client.post(
        ADD,
        {"title": "Deal card freezes", "kind": "defect", "steps": "Open a deal", **thread_input()},
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"started_how", "expected", "actual", "attachments"} <= set(errors)
    assert "steps" not in errors
    assert not FeatureRequest.objects.exists()


def test_a_thread_of_another_customer_is_refused_on_its_field(agent_client, log):
    log("Dark mode", account="acme.bitrix24.com", ref="chat9001")

    response = agent_client.post(
        ADD, {"title": "Export deals to XLSX", "kind": "suggestion", **thread_input()}
    )

    assert response.status_code == 200
    assert "another customer account" in str(response.context["form"].errors["thread_ref"])


def test_support_staff_log_one_more_customer_thread_on_a_request(agent_client, log):
    request = log("Export deals to XLSX")

    response = agent_client.post(mention_page(request.number), thread_input())

    request.refresh_from_db()
    assert response.status_code == 302
    assert (request.customer_count, request.mention_count) == (2, 2)
    assert Notification.objects.filter(event=Event.ATTACHED).count() == 1


def test_a_thread_logged_on_a_merged_request_counts_for_its_survivor(pm_client, pm, log):
    from tracker.services import request_merge

    dup, survivor = log("XLSX export"), log("Export deals", account="b.example")
    request_merge(number=dup.number, into=survivor.number, by=pm)

    response = pm_client.post(mention_page(dup.number), thread_input())

    assert response.url == reverse("admin:tracker_featurerequest_change", args=[survivor.number])
    assert FeatureRequest.objects.get(number=survivor.number).customer_count == 3


def test_a_user_with_no_group_can_log_nothing(nobody_client, log, hooks):
    request = log("Export deals to XLSX")
    data = {"title": "Dark mode", "kind": "suggestion", **thread_input()}

    assert nobody_client.get(ADD).status_code == 403
    assert nobody_client.post(ADD, data).status_code == 403
    assert nobody_client.post(mention_page(request.number), thread_input()).status_code == 403
    assert FeatureRequest.objects.count() == 1
    assert Mention.objects.count() == 1


@pytest.mark.parametrize("who", ["pm_client", "agent_client"])
def test_both_roles_open_the_logging_pages(request, who, log):
    client = request.getfixturevalue(who)
    wish = log("Export deals to XLSX")

    assert client.get(ADD).status_code == 200
    assert client.get(mention_page(wish.number)).status_code == 200


def test_logging_on_a_missing_request_is_not_found(agent_client, hooks):
    assert agent_client.get(mention_page(424242)).status_code == 404
