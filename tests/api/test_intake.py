import json

import pytest
from django.urls import reverse

from tests.api.conftest import DEFECT, errors_by_field, intake_payload
from tests.factories import log_intake
from tracker.choices import Event, Status
from tracker.models import Account, Decision, FeatureRequest, Mention, Notification, Thread
from tracker.notifications.messages import render

URL = reverse("api-intake")


def test_it_logs_a_new_request_and_answers_201_with_its_number_and_status_url(agent, channel):
    response = agent.post(URL, intake_payload(), format="json")

    assert response.status_code == 201
    body = response.json()
    request = FeatureRequest.objects.get()
    assert body == {
        "number": request.number,
        "created": True,
        "attached": True,
        "status": "under_review",
        "status_url": f"http://127.0.0.1:8000/status/{request.number}/",
        "redirected_from": None,
    }
    assert request.title == "Export deals to XLSX"
    assert request.customer_count == 1


def test_the_answer_and_the_customers_message_link_the_same_status_page(agent, channel, settings):
    settings.SITE_URL = "https://tracker.example.com"

    body = agent.post(URL, intake_payload(), format="json").json()

    status_url = f"https://tracker.example.com/status/{body['number']}/"
    assert body["status_url"] == status_url
    assert agent.get(reverse("api-request", args=[body["number"]])).json()["status_url"] == (
        status_url
    )
    assert status_url in render(Notification.objects.get())


def test_it_creates_the_account_and_thread_on_first_sight(agent, channel):
    agent.post(URL, intake_payload(), format="json")

    account = Account.objects.get(external_id="acme.bitrix24.com")
    assert (account.name, account.plan) == ("Acme", "professional")
    thread = Thread.objects.get(channel=channel, ref="chat4711")
    assert (thread.account, thread.language) == (account, "ru")
    mention = Mention.objects.get()
    assert mention.quote == "Нам очень нужна выгрузка сделок в Excel"
    assert mention.criticality == "high"
    assert mention.logged_by.username == "agent"


def test_it_writes_the_registered_notification_into_the_outbox(agent, channel):
    agent.post(URL, intake_payload(), format="json")

    notification = Notification.objects.get()
    assert notification.event == Event.REGISTERED
    assert notification.thread.ref == "chat4711"


def test_it_attaches_another_thread_by_number_with_200(agent, channel):
    number = log_intake(title="Export deals to XLSX", ref="chat1").number

    response = agent.post(
        URL,
        intake_payload(
            title="", request_number=number, thread={"channel": "hooks-main", "ref": "chat2"}
        ),
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["number"], body["created"], body["attached"]) == (number, False, True)
    assert Mention.objects.filter(request_id=number).count() == 2
    assert Notification.objects.filter(event=Event.ATTACHED).count() == 1


def test_the_same_call_twice_leaves_one_request_and_one_mention(agent, channel):
    first = agent.post(URL, intake_payload(), format="json")
    second = agent.post(URL, intake_payload(), format="json")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["number"] == first.json()["number"]
    assert second.json()["attached"] is False
    assert FeatureRequest.objects.count() == 1
    assert Mention.objects.count() == 1
    assert Notification.objects.count() == 1


def test_the_same_attach_twice_leaves_one_mention(agent, channel):
    number = log_intake(title="Export deals", ref="chat1").number
    payload = intake_payload(title="", request_number=number)

    agent.post(URL, payload, format="json")
    again = agent.post(URL, payload, format="json")

    assert again.status_code == 200
    assert again.json()["attached"] is False
    assert Mention.objects.filter(request_id=number).count() == 2


def test_attaching_to_a_merged_request_attaches_to_the_survivor_and_says_so(
    agent, channel, product_manager
):
    from tracker import services

    survivor = log_intake(title="Export deals to XLSX", ref="chat1").number
    duplicate = log_intake(title="Excel export of deals", ref="chat2").number
    services.request_merge(number=duplicate, into=survivor, by=product_manager)

    response = agent.post(
        URL,
        intake_payload(
            title="", request_number=duplicate, thread={"channel": "hooks-main", "ref": "chat3"}
        ),
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["number"] == survivor
    assert response.json()["redirected_from"] == duplicate
    assert Mention.objects.get(thread__ref="chat3").request_id == survivor


def test_it_logs_a_complete_defect_with_its_report(agent, channel):
    response = agent.post(
        URL, intake_payload(title="Export gives a blank page", **DEFECT), format="json"
    )

    assert response.status_code == 201
    mention = Mention.objects.get()
    assert mention.steps == DEFECT["steps"]
    assert mention.attachments == DEFECT["attachments"]
    assert FeatureRequest.objects.get().kind == "defect"


def test_it_refuses_a_defect_listing_every_missing_part(agent, channel):
    response = agent.post(
        URL, intake_payload(title="Export gives a blank page", kind="defect"), format="json"
    )

    assert response.status_code == 400
    errors = errors_by_field(response)
    assert set(errors) == {"steps", "started_how", "expected", "actual", "attachments"}
    assert {e["code"] for e in errors.values()} == {"required"}
    assert FeatureRequest.objects.count() == 0
    assert Notification.objects.count() == 0


def test_it_refuses_a_defect_whose_only_missing_part_is_an_attachment(agent, channel):
    payload = intake_payload(title="Export gives a blank page", **{**DEFECT, "attachments": []})

    response = agent.post(URL, payload, format="json")

    assert response.status_code == 400
    assert list(errors_by_field(response)) == ["attachments"]


def test_it_refuses_an_attachment_that_is_not_a_url(agent, channel):
    payload = intake_payload(title="Blank page", **{**DEFECT, "attachments": ["screen.png"]})

    response = agent.post(URL, payload, format="json")

    assert response.status_code == 400
    assert list(errors_by_field(response)) == ["attachments.0"]


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://files.example.com/screen.png",
    ],
)
def test_it_refuses_an_attachment_that_is_not_an_http_or_https_link(agent, channel, link):
    attachments = ["https://files.example.com/screen1.png", link]
    payload = intake_payload(title="Blank page", **{**DEFECT, "attachments": attachments})

    response = agent.post(URL, payload, format="json")

    assert response.status_code == 400
    assert errors_by_field(response)["attachments.1"]["code"] == "invalid"
    assert not FeatureRequest.objects.exists()


def test_it_refuses_an_unknown_channel_naming_it(agent, channel):
    response = agent.post(
        URL, intake_payload(thread={"channel": "nowhere", "ref": "chat1"}), format="json"
    )

    assert response.status_code == 400
    error = errors_by_field(response)["thread.channel"]
    assert error["code"] == "not_found"
    assert "nowhere" in error["message"]
    assert Account.objects.count() == 0


def test_it_refuses_an_unsupported_language_naming_it(agent, channel):
    response = agent.post(
        URL,
        intake_payload(thread={"channel": "hooks-main", "ref": "chat1", "language": "de"}),
        format="json",
    )

    assert response.status_code == 400
    assert errors_by_field(response)["thread.language"]["code"] == "invalid_choice"


def test_it_refuses_an_oversize_title_naming_it(agent, channel):
    response = agent.post(URL, intake_payload(title="x" * 201), format="json")

    assert response.status_code == 400
    assert errors_by_field(response)["title"]["code"] == "max_length"


def test_it_refuses_an_oversize_quote_naming_it(agent, channel):
    response = agent.post(URL, intake_payload(quote="слово " * 2000), format="json")

    assert response.status_code == 400
    assert errors_by_field(response)["quote"]["code"] == "max_length"


def test_it_refuses_an_oversize_body_with_413(agent, channel, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps(intake_payload(description="d" * 20_000))

    response = agent.post(URL, body, content_type="application/json")

    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "body_too_large"
    assert FeatureRequest.objects.count() == 0


def test_it_refuses_a_body_that_is_not_json(agent, channel):
    response = agent.post(URL, "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "parse_error"


def test_it_refuses_a_form_body(agent, channel):
    response = agent.post(URL, {"title": "x"})

    assert response.status_code == 415


def test_it_refuses_both_a_number_and_a_title(agent, channel):
    number = log_intake(title="Export deals", ref="chat1").number

    response = agent.post(URL, intake_payload(request_number=number), format="json")

    assert response.status_code == 400
    assert "request_number" in errors_by_field(response)


def test_it_refuses_neither_a_number_nor_a_title(agent, channel):
    response = agent.post(URL, intake_payload(title=""), format="json")

    assert response.status_code == 400
    assert "title" in errors_by_field(response)


def test_it_refuses_an_unknown_request_number(agent, channel):
    response = agent.post(URL, intake_payload(title="", request_number=999_999), format="json")

    assert response.status_code == 400
    assert errors_by_field(response)["request_number"]["code"] == "not_found"


def test_it_refuses_a_request_number_beyond_any_database_integer(agent, channel):
    response = agent.post(URL, intake_payload(title="", request_number=2**70), format="json")

    assert response.status_code == 400
    assert "request_number" in errors_by_field(response)


def test_it_refuses_a_nul_character_instead_of_failing_in_the_database(agent, channel):
    response = agent.post(URL, intake_payload(account={"external_id": "acme\x00"}), format="json")

    assert response.status_code == 400
    assert "account.external_id" in errors_by_field(response)


def test_it_refuses_a_thread_of_another_account(agent, channel):
    log_intake(title="Export deals", account="other.example.com", ref="chat4711")

    response = agent.post(URL, intake_payload(title="Something else"), format="json")

    assert response.status_code == 400
    assert "thread.ref" in errors_by_field(response)


@pytest.mark.parametrize("kind", ["request", "feature"])
def test_it_refuses_an_unknown_kind(agent, channel, kind):
    response = agent.post(URL, intake_payload(kind=kind), format="json")

    assert response.status_code == 400
    assert errors_by_field(response)["kind"]["code"] == "invalid_choice"


def test_anonymous_callers_cannot_log(anonymous, channel):
    response = anonymous.post(URL, intake_payload(), format="json")

    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
    assert FeatureRequest.objects.count() == 0


def test_product_managers_can_log_too(pm, channel):
    response = pm.post(URL, intake_payload(), format="json")

    assert response.status_code == 201
    assert FeatureRequest.objects.get().status == Status.UNDER_REVIEW


# --- the account's plan: kept unless given on purpose ---------------------------------------


def test_an_intake_without_a_plan_keeps_the_accounts_plan_and_its_requests_weight(agent, channel):
    number = log_intake(title="Export deals to XLSX", ref="chat1", plan="enterprise").number
    before = FeatureRequest.objects.get(number=number)

    response = agent.post(
        URL,
        intake_payload(
            account={"external_id": "acme.bitrix24.com", "name": "Acme"},
            thread={"channel": "hooks-main", "ref": "chat2"},
            title="Dark theme",
        ),
        format="json",
    )

    assert response.status_code == 201
    assert Account.objects.get().plan == "enterprise"
    request = FeatureRequest.objects.get(number=number)
    assert (request.demand_weight, request.score) == (3.0, before.score)
    # The new request counts the customer with the plan it has.
    assert FeatureRequest.objects.get(number=response.json()["number"]).demand_weight == 3.0
    assert not Decision.objects.exists()


def test_a_new_account_without_a_plan_gets_the_default_plan(agent, channel, settings):
    settings.TRACKER_DEFAULT_PLAN = "basic"
    payload = intake_payload(account={"external_id": "new.bitrix24.com"})

    assert agent.post(URL, payload, format="json").status_code == 201

    assert Account.objects.get().plan == "basic"
    assert FeatureRequest.objects.get().demand_weight == 1.0


def test_without_the_setting_a_new_account_is_on_the_free_plan(agent, channel, settings):
    del settings.TRACKER_DEFAULT_PLAN
    payload = intake_payload(account={"external_id": "new.bitrix24.com"})

    assert agent.post(URL, payload, format="json").status_code == 201

    assert Account.objects.get().plan == "free"


def test_a_plan_given_on_purpose_changes_it_on_record_and_reweighs(agent, channel, support_agent):
    number = log_intake(title="Export deals to XLSX", ref="chat1", plan="free").number

    response = agent.post(
        URL,
        intake_payload(
            account={"external_id": "acme.bitrix24.com", "plan": "enterprise"},
            thread={"channel": "hooks-main", "ref": "chat1"},
            title="",
            request_number=number,
        ),
        format="json",
    )

    assert response.status_code == 200
    assert Account.objects.get().plan == "enterprise"
    assert FeatureRequest.objects.get(number=number).demand_weight == 3.0
    decision = Decision.objects.get()
    assert (decision.kind, decision.field, decision.old, decision.new) == (
        "plan",
        "plan",
        "free",
        "enterprise",
    )
    assert (decision.account, decision.request, decision.by) == (
        Account.objects.get(),
        None,
        support_agent,
    )


def test_it_refuses_an_unknown_plan_naming_it(agent, channel):
    payload = intake_payload(account={"external_id": "acme.bitrix24.com", "plan": "gold"})

    response = agent.post(URL, payload, format="json")

    assert response.status_code == 400
    assert "account.plan" in errors_by_field(response)
    assert not Account.objects.exists()
