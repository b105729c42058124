import pytest
from django.urls import reverse

from tracker.choices import Event
from tracker.models import Account, Decision, FeatureRequest, Mention, Notification

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


# --- the account's plan: kept unless chosen on purpose -------------------------------------


@pytest.mark.parametrize("page", ["add", "mention"])
def test_the_log_forms_start_from_keeping_the_accounts_plan(agent_client, log, page):
    wish = log("Dark mode", account="sakura.bitrix24.jp", plan="enterprise")
    url = ADD if page == "add" else mention_page(wish.number)

    form = agent_client.get(url).context["form"]

    assert form["plan"].value() in (None, "")
    assert form.fields["plan"].choices[0][0] == ""
    assert "Keep the account" in str(form.fields["plan"].choices[0][1])


@pytest.mark.parametrize("page", ["add", "mention"])
def test_logging_a_thread_with_the_plan_left_to_keep_changes_no_plan(agent_client, log, page):
    wish = log("Dark mode", account="sakura.bitrix24.jp", plan="enterprise", ref="chat1")
    url = ADD if page == "add" else mention_page(wish.number)
    data = thread_input(plan="")
    if page == "add":
        data.update(title="Export deals to XLSX", kind="suggestion")

    response = agent_client.post(url, data)

    assert response.status_code == 302
    assert Account.objects.get(external_id="sakura.bitrix24.jp").plan == "enterprise"
    # One enterprise customer, weighed as such, on every request (the new one too).
    assert {(r.customer_count, r.demand_weight) for r in FeatureRequest.objects.all()} == {(1, 3.0)}
    assert not Decision.objects.exists()


def test_a_new_account_logged_with_the_plan_left_to_keep_gets_the_default(
    agent_client, hooks, settings
):
    settings.TRACKER_DEFAULT_PLAN = "standard"
    response = agent_client.post(
        ADD, {"title": "Export deals to XLSX", "kind": "suggestion", **thread_input(plan="")}
    )

    assert response.status_code == 302
    assert Account.objects.get().plan == "standard"


def test_a_plan_chosen_on_purpose_changes_the_account_on_record(agent_client, agent, log):
    wish = log("Dark mode", account="sakura.bitrix24.jp", plan="free", ref="chat1")

    response = agent_client.post(mention_page(wish.number), thread_input(plan="professional"))

    assert response.status_code == 302
    assert Account.objects.get().plan == "professional"
    assert FeatureRequest.objects.get(number=wish.number).demand_weight == 2.0
    decision = Decision.objects.get()
    assert (decision.field, decision.old, decision.new, decision.by) == (
        "plan",
        "free",
        "professional",
        agent,
    )


# --- similar requests on the logging pages ------------------------------------------------


def embed():
    from io import StringIO

    from django.core.management import call_command

    call_command("embed_requests", "--no-progress", stdout=StringIO())


@pytest.fixture
def queue_wish(log):
    """A Japanese request, its neighbours, and a closed request like it."""
    from tracker.services import request_transition

    wish = log("着信を複数の担当者に順番に振り分ける", language="ja")
    log("通話の録音を自動で文字起こしする", account="b.example", language="ja")
    closed = log("Distribute incoming calls to managers one by one", account="c.example")
    request_transition(number=closed.number, status="declined", reason="not_planned")
    embed()
    return wish


RUSSIAN_TITLE = "Распределение входящих звонков между менеджерами по очереди"


def test_find_similar_shows_the_request_in_another_language_and_logs_nothing(
    agent_client, hooks, queue_wish
):
    data = {"title": RUSSIAN_TITLE, "kind": "suggestion", "find_similar": "1", **thread_input()}

    response = agent_client.post(ADD, data)

    assert response.status_code == 200
    similar = response.context["similar"]
    assert similar[0].found.number == queue_wish.number
    assert similar[0].found.language == "ja"
    assert response.context["ask_choice"]
    # Open requests first; a closed one after them, marked.
    closed = [row for row in similar if row.closed]
    assert closed and similar.index(closed[0]) > 0
    html = response.content.decode()
    assert f'name="attach" value="{queue_wish.number}"' in html
    assert "(closed)" in html
    assert RUSSIAN_TITLE in html  # what the agent typed is kept
    assert not response.context["form"].errors
    assert FeatureRequest.objects.count() == 3
    assert Mention.objects.count() == 3


def test_one_click_logs_the_thread_on_the_similar_request(agent_client, hooks, queue_wish):
    data = {"title": RUSSIAN_TITLE, "kind": "suggestion", **thread_input()}

    response = agent_client.post(ADD, {**data, "attach": str(queue_wish.number)})

    assert response.status_code == 302
    assert response.url == reverse("admin:tracker_featurerequest_change", args=[queue_wish.number])
    assert FeatureRequest.objects.count() == 3
    mention = Mention.objects.get(thread__ref="chat9001")
    assert mention.request_id == queue_wish.number
    assert mention.quote == "取引をExcelに出力したいです"
    assert Notification.objects.filter(event=Event.ATTACHED, thread=mention.thread).exists()


def test_a_likely_duplicate_is_logged_only_when_the_agent_says_none_is_the_same(
    agent_client, hooks, queue_wish
):
    data = {"title": RUSSIAN_TITLE, "kind": "suggestion", **thread_input()}

    refused = agent_client.post(ADD, data)

    assert refused.status_code == 200
    assert "none_alike" in refused.context["choice"].errors
    assert refused.context["similar"][0].found.number == queue_wish.number
    assert not FeatureRequest.objects.filter(title=RUSSIAN_TITLE).exists()

    logged = agent_client.post(ADD, {**data, "none_alike": "on"})

    assert logged.status_code == 302
    assert FeatureRequest.objects.filter(title=RUSSIAN_TITLE).exists()


def test_a_wish_like_nothing_in_the_backlog_is_logged_at_once(agent_client, hooks, queue_wish):
    data = {"title": "Dark theme for the web interface", "kind": "suggestion", **thread_input()}

    found = agent_client.post(ADD, {**data, "find_similar": "1"})
    logged = agent_client.post(ADD, data)

    assert not [row for row in found.context["similar"] if row.likely_same]
    assert logged.status_code == 302
    assert FeatureRequest.objects.filter(title="Dark theme for the web interface").exists()


def test_the_thread_page_shows_requests_like_the_customers_words(agent_client, log, queue_wish):
    other = log("Export deals to XLSX", account="d.example")
    embed()
    data = thread_input(quote="звонки клиентов распределять по очереди между менеджерами")

    response = agent_client.post(mention_page(other.number), {**data, "find_similar": "1"})

    assert response.context["similar"][0].found.number == queue_wish.number
    assert not response.context["ask_choice"]
    assert Mention.objects.filter(thread__ref="chat9001").count() == 0

    moved = agent_client.post(mention_page(other.number), {**data, "attach": queue_wish.number})

    assert moved.url == reverse("admin:tracker_featurerequest_change", args=[queue_wish.number])
    assert Mention.objects.get(thread__ref="chat9001").request_id == queue_wish.number


def test_the_request_of_the_thread_page_is_marked_not_offered(agent_client, log, queue_wish):
    data = thread_input(quote="распределение входящих звонков по очереди")

    response = agent_client.post(mention_page(queue_wish.number), {**data, "find_similar": "1"})

    first = response.context["similar"][0]
    assert first.found.number == queue_wish.number and first.is_original
    assert f'name="attach" value="{queue_wish.number}"' not in response.content.decode()


def test_attaching_to_a_missing_request_is_not_found(agent_client, hooks):
    data = {"title": "Anything", "kind": "suggestion", **thread_input()}

    assert agent_client.post(ADD, {**data, "attach": "424242"}).status_code == 404
    assert agent_client.post(ADD, {**data, "attach": "not a number"}).status_code == 404
    assert not Mention.objects.exists()
