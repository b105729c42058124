"""The admin never answers a 500 to a malformed filter value, and its logging forms hold
what they accept to the same limits as the API."""

import csv
import io

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.admin.test_logging import thread_input
from tracker import limits
from tracker.models import FeatureRequest, Mention

BACKLOG = reverse("admin:tracker_featurerequest_changelist")
EXPORT = reverse("admin:tracker_featurerequest_export")
ADD = reverse("admin:tracker_featurerequest_add")


@pytest.fixture
def backlog(log, bitrix):
    first = log("Export deals to XLSX", language="ru")
    log(number=first.number, account="globex.bitrix24.com", plan="enterprise", channel="b24-main")
    second = log("Dark mode", account="umbrella.bitrix24.com", plan="free", language="ja")
    return sorted([first.number, second.number])


# --- a null character in a filter value -------------------------------------------------------

# PostgreSQL refuses a null character in any text: each of these failed there with a 500.
NUL_FILTERS = [
    "channel",
    "plan",
    "language",
    "criticality",
    "status",
    "status__exact",
    "kind__exact",
    "priority",
]


@pytest.mark.parametrize("parameter", NUL_FILTERS)
def test_the_backlog_ignores_a_filter_value_holding_a_null_character(pm_client, backlog, parameter):
    response = pm_client.get(BACKLOG, {parameter: "b24\x00main"})

    assert response.status_code == 200
    assert sorted(obj.number for obj in response.context["cl"].result_list) == backlog


@pytest.mark.parametrize("parameter", NUL_FILTERS)
def test_the_export_ignores_a_filter_value_holding_a_null_character(pm_client, backlog, parameter):
    response = pm_client.get(EXPORT, {parameter: "\x00"})

    assert response.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    assert sorted(int(row["number"]) for row in rows) == backlog


def test_the_export_refuses_a_page_that_is_not_there_with_a_400(pm_client, log, monkeypatch):
    monkeypatch.setattr(admin.site._registry[FeatureRequest], "list_per_page", 1)
    log("Export deals to XLSX")
    log("Dark mode", account="umbrella.bitrix24.com")

    assert pm_client.get(EXPORT, {"p": "99"}).status_code == 400


@pytest.mark.parametrize(
    ("page", "parameter"),
    [
        ("admin:tracker_account_changelist", "plan"),
        ("admin:tracker_thread_changelist", "language"),
        ("admin:tracker_thread_changelist", "channel__id__exact"),
        ("admin:tracker_channel_changelist", "kind"),
        ("admin:tracker_notification_changelist", "state"),
        ("admin:tracker_notification_changelist", "thread__language"),
    ],
)
def test_the_other_lists_ignore_a_filter_value_holding_a_null_character(
    pm_client, backlog, page, parameter
):
    response = pm_client.get(reverse(page), {parameter: "\x00"})

    assert response.status_code == 200
    assert response.context["cl"].result_count > 0


# --- the logging forms' limits ------------------------------------------------------------------

DEFECT = {
    "title": "Deal card freezes",
    "kind": "defect",
    "steps": "Open a deal",
    "started_how": "From the deal list",
    "expected": "The card opens",
    "actual": "The page freezes",
    "attachments": "https://files.example.com/1.png",
}


@pytest.mark.parametrize(
    "link",
    [
        "javascript:alert(document.cookie)",
        "JavaScript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "ftp://files.example.com/1.png",
        "screen.png",
    ],
)
def test_a_link_that_is_not_http_or_https_is_refused_on_its_field(agent_client, hooks, link):
    data = {**DEFECT, **thread_input(), "attachments": f"https://files.example.com/1.png\n{link}"}

    response = agent_client.post(ADD, data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["attachments"]
    assert "Link 2" in errors["attachments"][0]
    assert "not an http or https link" in errors["attachments"][0]
    assert not FeatureRequest.objects.exists()


def test_a_defect_with_http_and_https_links_is_logged_with_them(agent_client, hooks):
    links = "https://files.example.com/1.png\n  http://video.example.com/2.mp4  "

    response = agent_client.post(ADD, {**DEFECT, **thread_input(), "attachments": links})

    assert response.status_code == 302
    assert Mention.objects.get().attachments == [
        "https://files.example.com/1.png",
        "http://video.example.com/2.mp4",
    ]


def test_more_links_than_the_api_takes_are_refused(agent_client, hooks):
    links = "\n".join(
        f"https://files.example.com/{n}.png" for n in range(limits.ATTACHMENTS_MAX + 1)
    )

    response = agent_client.post(ADD, {**DEFECT, **thread_input(), "attachments": links})

    assert "attachments" in response.context["form"].errors
    assert not FeatureRequest.objects.exists()


def test_a_link_longer_than_the_api_takes_is_refused(agent_client, hooks):
    link = "https://files.example.com/" + "a" * limits.ATTACHMENT_URL_MAX

    response = agent_client.post(ADD, {**DEFECT, **thread_input(), "attachments": link})

    assert "attachments" in response.context["form"].errors
    assert not FeatureRequest.objects.exists()


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("description", limits.DESCRIPTION_MAX),
        ("quote", limits.QUOTE_MAX),
        ("steps", limits.STEPS_MAX),
        ("started_how", limits.STARTED_HOW_MAX),
        ("expected", limits.EXPECTED_MAX),
        ("actual", limits.ACTUAL_MAX),
    ],
)
def test_the_new_request_form_holds_each_text_to_the_apis_limit(agent_client, hooks, field, limit):
    too_long = {**DEFECT, **thread_input(), field: "x" * (limit + 1)}
    at_limit = {**DEFECT, **thread_input(), field: "x" * limit}

    refused = agent_client.post(ADD, too_long)
    accepted = agent_client.post(ADD, at_limit)

    assert list(refused.context["form"].errors) == [field]
    assert accepted.status_code == 302
    assert FeatureRequest.objects.count() == 1


def test_the_thread_form_holds_the_quote_to_the_apis_limit(agent_client, log):
    request = log("Dark mode")
    page = reverse("admin:tracker_featurerequest_mention", args=[request.number])

    response = agent_client.post(page, thread_input(quote="x" * (limits.QUOTE_MAX + 1)))

    assert list(response.context["form"].errors) == ["quote"]
    assert Mention.objects.count() == 1
