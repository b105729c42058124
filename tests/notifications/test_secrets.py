"""Issue 11, defect 1: no page, view-only or not, for any user, shows a stored secret; a
secret is only ever replaced. Nor does any API answer or log line."""

import base64
import logging
from io import StringIO

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import ChannelFactory, ThreadFactory, UserFactory, log_in_thread
from tracker.choices import ChannelKind
from tracker.models import Channel
from tracker.notifications.delivery import deliver_batch

from .conftest import Reply

SIGNING_KEY = "whsec_" + base64.b64encode(b"twenty-four bytes or more, surely").decode()
SECRETS = {
    "hooks-main": (
        ChannelKind.WEBHOOK,
        {"url": "https://hooks.example/in"},
        {"signing_key": SIGNING_KEY},
    ),
    "slack-main": (
        ChannelKind.SLACK,
        {},
        {
            "bot_token": "xoxb-1111-bot-token-value",
            "signing_secret": "8f742231b10e8888abcd99yyyzzz85a5",
        },
    ),
    "b24-main": (
        ChannelKind.BITRIX24,
        {"url": "https://acme.bitrix24.com/rest/1/"},
        {"webhook_token": "w3bh00kc0deXYZ", "client_secret": "app-client-secret-value"},
    ),
    "mail-main": (
        ChannelKind.EMAIL,
        {"host": "smtp.example", "from": "s@vendor.example", "to": "h@vendor.example"},
        {"password": "smtp pass word value"},
    ),
}
VALUES = [value for _, _, secrets in SECRETS.values() for value in secrets.values()]


@pytest.fixture
def stored(db):
    return {
        slug: ChannelFactory(slug=slug, name=slug, kind=kind, config=config, secrets=secrets)
        for slug, (kind, config, secrets) in SECRETS.items()
    }


def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def operator():
    """A staff user allowed to change channels: the change page, not a superuser."""
    user = UserFactory(username="operator", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_channel", "change_channel"])
    )
    return user


def product_manager():
    return UserFactory(username="pm-anna", is_staff=True, groups=["Product managers"])


def support_agent():
    return UserFactory(username="agent-oleg", is_staff=True, groups=["Support staff"])


def staff_without_group():
    return UserFactory(username="nobody", is_staff=True)


ROLES = {
    "superuser": (superuser, "change"),
    "operator": (operator, "change"),
    "product manager": (product_manager, "view"),
    "support staff": (support_agent, "view"),
    "staff in no group": (staff_without_group, "forbidden"),
}


def assert_no_secret(html):
    for value in VALUES:
        assert value not in html
    # Nor a recognisable piece of one.
    assert "whsec_" not in html
    assert "xoxb-" not in html


@pytest.mark.parametrize("role", ROLES)
def test_no_channel_page_shows_a_stored_secret_to_anyone(client, stored, role):
    make_user, mode = ROLES[role]
    client.force_login(make_user())

    for channel in stored.values():
        page = client.get(reverse("admin:tracker_channel_change", args=[channel.pk]))
        html = page.content.decode()

        assert_no_secret(html)
        if mode == "forbidden":
            assert page.status_code in (302, 403)
            continue
        assert page.status_code == 200
        if mode == "change":
            # Write-only inputs, one per secret name, saying only whether it is set.
            for name in channel.secrets:
                assert f'name="secret_{name}"' in html
            assert "set; type a new one to replace it" in html
            assert 'type="password"' in html
        else:
            assert page.context["has_change_permission"] is False
            assert 'type="password"' not in html
            for name in channel.secrets:
                assert f"{name}: set" in html
    listing = client.get(reverse("admin:tracker_channel_changelist"))
    assert_no_secret(listing.content.decode())


def test_the_view_only_page_says_which_secrets_are_not_set(client, db):
    channel = ChannelFactory(
        slug="slack-half",
        kind=ChannelKind.SLACK,
        secrets={"bot_token": "xoxb-only-the-bot-token"},
    )
    client.force_login(support_agent())

    html = client.get(reverse("admin:tracker_channel_change", args=[channel.pk])).content.decode()

    assert "bot_token: set" in html
    assert "signing_secret: not set" in html
    assert "xoxb-only-the-bot-token" not in html


def test_a_secret_is_only_replaced_and_the_history_never_shows_it(client, stored):
    client.force_login(superuser())
    channel = stored["slack-main"]
    url = reverse("admin:tracker_channel_change", args=[channel.pk])

    response = client.post(
        url,
        {
            "name": "Slack, renamed",
            "config": "{}",
            "secret_bot_token": "xoxb-2222-the-new-token",
            "secret_signing_secret": "",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    channel.refresh_from_db()
    assert channel.name == "Slack, renamed"
    assert channel.secrets == {
        "bot_token": "xoxb-2222-the-new-token",
        "signing_secret": SECRETS["slack-main"][2]["signing_secret"],
    }
    history = client.get(reverse("admin:tracker_channel_history", args=[channel.pk]))
    page = client.get(url)
    for html in (history.content.decode(), page.content.decode()):
        assert "xoxb-2222-the-new-token" not in html
        assert_no_secret(html)


def test_a_secret_that_is_refused_is_not_echoed_back(client, stored):
    client.force_login(superuser())
    channel = stored["hooks-main"]
    short = "whsec_" + base64.b64encode(b"only sixteen b.").decode()

    response = client.post(
        reverse("admin:tracker_channel_change", args=[channel.pk]),
        {
            "name": "Hooks",
            "config": '{"url": "https://hooks.example/in"}',
            "secret_signing_key": short,
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "24 to 64 random bytes" in html
    assert short not in html
    channel.refresh_from_db()
    assert channel.secret("signing_key") == SIGNING_KEY


def test_a_channel_can_be_added_with_its_secrets_from_the_admin(client, db):
    client.force_login(superuser())

    response = client.post(
        reverse("admin:tracker_channel_add"),
        {
            "slug": "b24-new",
            "name": "New portal",
            "kind": "bitrix24",
            "config": '{"url": "https://new.bitrix24.com/rest/7/"}',
            "secret_webhook_token": "abcDEF123",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    channel = Channel.objects.get(slug="b24-new")
    assert channel.secrets == {"webhook_token": "abcDEF123"}
    assert channel.config == {"url": "https://new.bitrix24.com/rest/7/"}


def test_no_api_answer_carries_a_secret(stored, support_agent):
    agent = client_for(support_agent)
    intake = agent.post(
        reverse("api-intake"),
        {
            "account": {"external_id": "acme.bitrix24.com", "plan": "professional"},
            "thread": {"channel": "b24-main", "ref": "chat4711", "language": "ru"},
            "title": "Export deals to XLSX",
        },
        format="json",
    )
    threads = agent.get(reverse("api-threads"))
    thread = agent.get(reverse("api-thread", args=[threads.json()["results"][0]["id"]]))
    schema = agent.get(reverse("api-schema"))

    assert intake.status_code == 201
    for response in (intake, threads, thread, schema):
        assert_no_secret(response.content.decode())


def test_no_log_line_carries_a_secret(stored, http_api, policy, caplog):
    server, api = http_api
    channel = stored["b24-main"]
    channel.config = {"url": server.url + "/rest/1/"}
    channel.save()
    # A receiver that quotes what it was given back in its error.
    token = SECRETS["b24-main"][2]["webhook_token"]
    api.default = Reply(
        status=400,
        body=f'{{"error": "ACCESS_ERROR", "error_description": "token {token} refused"}}'.encode(),
    )
    log_in_thread(ThreadFactory(channel=channel, ref="chat1"), title="Dark mode")

    out = StringIO()
    with caplog.at_level(logging.DEBUG):
        deliver_batch(policy=policy)
        call_command(
            "channel_setup",
            *("--slug", "b24-main", "--kind", "bitrix24", "--secret", f"webhook_token={token}X"),
            stdout=out,
        )
        call_command("notifications_status", stdout=out, stderr=out)

    assert "[secret]" in caplog.text  # the receiver's words, with the token taken out
    for text in (caplog.text, out.getvalue()):
        assert token not in text
