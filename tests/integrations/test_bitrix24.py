"""The Bitrix24 app through HTTP against a local Bitrix24 (its OAuth server and a portal's
REST, tests/integrations/conftest.py): install, the placement opened for a message in an
Open Lines chat, a wish logged and attached, the confirmation for the agent only, the
notification to the customer's dialog, and forged calls refused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import log_intake
from tests.integrations.conftest import (
    AGENT_AUTH,
    APPLICATION_TOKEN,
    MEMBER_ID,
    install_form,
    placement_form,
)
from tracker.choices import DeliveryState
from tracker.models import Bitrix24Portal, Mention, Notification, Thread
from tracker.notifications.delivery import deliver_batch

CUSTOMER_WORDS = "Нужна выгрузка сделок в Excel, без неё никак"


def url(name: str) -> str:
    return reverse(f"integrations:bitrix24-{name}", args=["b24-app"])


@pytest.fixture
def installed(client, bitrix24_channel, bitrix24_api):
    response = client.post(url("install"), install_form(bitrix24_api))
    assert response.status_code == 200, response.content
    bitrix24_api.calls.clear()
    bitrix24_api.messages = [
        {
            "id": 102,
            "chat_id": 4711,
            "author_id": 1,
            "text": "Здравствуйте! Смотрю.",
            "date": "2024-04-03T10:27:00+02:00",
            "params": None,
        },
        {
            "id": 101,
            "chat_id": 4711,
            "author_id": 28,
            "text": CUSTOMER_WORDS,
            "date": "2024-04-03T10:26:00+02:00",
            "params": None,
        },
    ]
    return Bitrix24Portal.objects.get()


def context_menu(message_id: int = 101, **overrides: str) -> dict[str, str]:
    return placement_form(
        "IM_CONTEXT_MENU", {"dialogId": "chat4711", "messageId": message_id}, **overrides
    )


def log_form(**values: str) -> dict[str, str]:
    form = {
        "AUTH_ID": AGENT_AUTH,
        "member_id": MEMBER_ID,
        "LANG": "en",
        "dialog_id": "chat4711",
        "message_id": "101",
        "message": CUSTOMER_WORDS,
        "kind": "suggestion",
        "criticality": "normal",
        "language": "ru",
        "quote": CUSTOMER_WORDS,
        "action": "log",
    }
    form.update(values)
    return form


def test_the_install_stores_the_portals_credentials_and_binds_the_placements(
    client, bitrix24_channel, bitrix24_api
):
    response = client.post(url("install"), install_form(bitrix24_api))

    assert response.status_code == 200
    portal = Bitrix24Portal.objects.get()
    # The OAuth server's renewed pair, not what the install posted.
    assert portal.access_token == "access00000000000000000000000001"
    assert portal.refresh_token == "refresh0000000000000000000000001"
    assert portal.expires_at > timezone.now() + timedelta(minutes=59)
    assert (portal.member_id, portal.domain, portal.application_token) == (
        MEMBER_ID,
        "vendor.bitrix24.com",
        APPLICATION_TOKEN,
    )
    assert portal.client_endpoint == bitrix24_api.url + "/rest/"
    binds = bitrix24_api.of("placement.bind")
    assert [b["PLACEMENT"] for b in binds] == ["IM_CONTEXT_MENU", "IM_SIDEBAR"]
    for bind in binds:
        assert bind["HANDLER"] == "http://127.0.0.1:8000" + url("placement")
        assert bind["OPTIONS"]["context"] == "LINES"
        assert bind["auth"] == portal.access_token
    assert bitrix24_api.of("event.bind") == [
        {
            "event": "ONAPPUNINSTALL",
            "handler": "http://127.0.0.1:8000" + url("events"),
            "auth": portal.access_token,
        }
    ]


def test_an_install_the_oauth_server_does_not_vouch_for_is_refused(
    client, bitrix24_channel, bitrix24_api
):
    forged = install_form(bitrix24_api, **{"auth[refresh_token]": "made-up"})

    response = client.post(url("install"), forged)

    assert response.status_code == 401
    assert not Bitrix24Portal.objects.exists()
    assert bitrix24_api.calls == []


def test_the_placement_shows_the_message_the_closest_requests_and_the_company(
    client, installed, bitrix24_api, channel
):
    existing = log_intake("Выгрузка сделок в Excel")

    response = client.post(url("placement"), context_menu())

    assert response.status_code == 200
    page = response.content.decode()
    assert CUSTOMER_WORDS in page
    assert f"#{existing.number}</strong> Выгрузка сделок в Excel" in page
    assert "Under review · 1 customer" in page
    assert 'value="vendor.bitrix24.com/crm/company/12"' in page
    assert 'value="ru" selected' in page  # read from the customer's words
    [info] = bitrix24_api.of("app.info")
    assert info["auth"] == AGENT_AUTH  # the agent's token, checked against the portal
    [fetched] = bitrix24_api.of("im.dialog.messages.get")
    assert fetched == {"DIALOG_ID": "chat4711", "LAST_ID": 102, "LIMIT": 1, "auth": AGENT_AUTH}
    assert not response.has_header("X-Frame-Options")  # it lives in Bitrix24's frame


def test_a_wish_is_attached_the_agent_alone_is_told_and_the_dialog_hears_of_it(
    client, installed, bitrix24_api, channel, policy
):
    existing = log_intake("Выгрузка сделок в Excel")

    response = client.post(url("log"), log_form(attach=str(existing.number), criticality="high"))

    assert response.status_code == 200
    assert f"Attached to request #{existing.number}" in response.content.decode()
    mention = Mention.objects.get(thread__ref="chat4711")
    assert mention.request_id == existing.number
    assert mention.criticality == "high"
    assert mention.thread.channel.slug == "b24-app"
    assert mention.thread.language == "ru"
    account = mention.thread.account
    assert (account.external_id, account.name) == ("vendor.bitrix24.com/crm/company/12", "Acme LLC")
    [confirmation] = bitrix24_api.of("im.message.add")
    assert confirmation["DIALOG_ID"] == "chat4711"
    assert (confirmation["SYSTEM"], confirmation["SKIP_CONNECTOR"]) == ("Y", "Y")
    assert confirmation["MESSAGE"].startswith(f"Attached to request #{existing.number}")
    bitrix24_api.calls.clear()

    deliver_batch(policy=policy)

    assert Notification.objects.get(thread=mention.thread).state == DeliveryState.DELIVERED
    [notice] = bitrix24_api.of("im.message.add")
    assert notice["DIALOG_ID"] == "chat4711"
    assert notice["SYSTEM"] == "N" and "SKIP_CONNECTOR" not in notice  # the customer sees it
    assert f"№{existing.number}" in notice["MESSAGE"]
    assert notice["auth"] == installed.access_token  # the app's own credentials


def test_a_new_wish_is_logged_from_the_sidebar_with_the_customers_last_message(
    client, installed, bitrix24_api
):
    page = client.post(url("placement"), placement_form("IM_SIDEBAR", {"dialogId": "chat4711"}))
    assert CUSTOMER_WORDS in page.content.decode()

    response = client.post(
        url("log"), log_form(title="Export deals to Excel", message_id="", language="ru")
    )

    assert "Logged as request #" in response.content.decode()
    mention = Mention.objects.get()
    assert mention.request.title == "Export deals to Excel"
    assert mention.quote == CUSTOMER_WORDS


def test_an_expired_token_is_renewed_before_the_notification_is_sent(
    client, installed, bitrix24_api, channel, policy
):
    client.post(url("log"), log_form(title="Export deals to Excel"))
    Bitrix24Portal.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    bitrix24_api.calls.clear()

    deliver_batch(policy=policy)

    portal = Bitrix24Portal.objects.get()
    assert portal.access_token == "access00000000000000000000000002"
    [notice] = bitrix24_api.of("im.message.add")
    assert notice["auth"] == portal.access_token
    assert Notification.objects.get().state == DeliveryState.DELIVERED


def test_an_incomplete_defect_is_shown_again_naming_what_is_missing(client, installed):
    response = client.post(url("log"), log_form(title="Export crashes", kind="defect"))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Missing: steps, started_how, expected, actual, attachments." in page
    assert not Mention.objects.exists()


@pytest.mark.parametrize(
    "forged",
    [
        {"AUTH_ID": "a-token-the-portal-never-issued"},
        {"member_id": "0123456789abcdef0123456789abcdef"},
        {"AUTH_ID": ""},
    ],
    ids=["foreign AUTH_ID", "another portal", "no AUTH_ID"],
)
def test_a_forged_placement_or_form_is_refused_and_changes_nothing(
    client, installed, bitrix24_api, forged
):
    opened = client.post(url("placement"), context_menu(**forged))
    logged = client.post(url("log"), log_form(title="Export deals", **forged))

    assert (opened.status_code, logged.status_code) == (401, 401)
    assert not Thread.objects.exists()
    assert bitrix24_api.of("im.message.add") == []


def test_a_get_of_the_placement_page_is_refused(client, installed):
    assert client.get(url("placement")).status_code == 405


def test_an_event_needs_the_installs_application_token(client, installed):
    event = {
        "event": "ONAPPUNINSTALL",
        "data[CLEAN]": "1",
        "auth[member_id]": MEMBER_ID,
        "auth[application_token]": "not-the-token",
    }
    assert client.post(url("events"), event).status_code == 401
    assert Bitrix24Portal.objects.exists()

    event["auth[application_token]"] = APPLICATION_TOKEN
    assert client.post(url("events"), event).status_code == 200
    assert not Bitrix24Portal.objects.exists()


def test_a_channel_without_the_app_takes_no_install(client, db, bitrix24_api):
    from tests.factories import ChannelFactory

    ChannelFactory(
        slug="b24-app",
        kind="bitrix24",
        config={"url": "https://acme.bitrix24.com/rest/1/"},
        secrets={"webhook_token": "abc"},
    )
    assert client.post(url("install"), install_form(bitrix24_api)).status_code == 401
    assert json.loads(client.post(url("events"), {}).content)["errors"][0]["code"] == (
        "not_authenticated"
    )


@pytest.mark.parametrize(
    ("lang", "heading"), [("ru", "Похожие заявки"), ("ja", "似ているリクエスト"), ("de", "Closest")]
)
def test_the_placement_speaks_the_agents_bitrix24_language(client, installed, lang, heading):
    response = client.post(url("placement"), context_menu(LANG=lang))
    assert heading in response.content.decode()
