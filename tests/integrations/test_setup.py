"""Both apps are set up through `channel_setup` and the admin with the secret names of
DESIGN.md (Slack bot_token and signing_secret; the Bitrix24 app's client_id in its config
and client_secret), and no page shows a secret or a portal's token."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.factories import UserFactory
from tests.integrations.conftest import CLIENT_ID, CLIENT_SECRET, install_form
from tracker.models import Bitrix24Portal, Channel

SLACK_SECRETS = ("xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy", "8f74223185a5secret")


def setup(*args: str) -> str:
    out = StringIO()
    call_command("channel_setup", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_channel_setup_makes_a_slack_app_channel(db):
    output = setup(
        "--slug", "slack-acme", "--kind", "slack",
        "--config", "account=acme.example",
        "--config", "default_language=ru",
        "--secret", f"bot_token={SLACK_SECRETS[0]}",
        "--secret", f"signing_secret={SLACK_SECRETS[1]}",
    )  # fmt: skip

    channel = Channel.objects.get(slug="slack-acme")
    assert channel.config == {"account": "acme.example", "default_language": "ru"}
    assert channel.secret("bot_token") == SLACK_SECRETS[0]
    assert channel.secret("signing_secret") == SLACK_SECRETS[1]
    assert not any(secret in output for secret in SLACK_SECRETS)


def test_channel_setup_makes_a_bitrix24_app_channel(db):
    output = setup(
        "--slug", "b24-app", "--kind", "bitrix24",
        "--config", f"client_id={CLIENT_ID}",
        "--secret", f"client_secret={CLIENT_SECRET}",
    )  # fmt: skip

    channel = Channel.objects.get(slug="b24-app")
    assert channel.config == {"client_id": CLIENT_ID}
    assert channel.secret("client_secret") == CLIENT_SECRET
    assert CLIENT_SECRET not in output


def test_a_bitrix24_channel_needs_a_webhook_or_the_app(db):
    with pytest.raises(CommandError, match=r"config\.url: A Bitrix24 channel needs"):
        setup("--slug", "b24-x", "--kind", "bitrix24")


def test_a_default_language_we_do_not_speak_is_refused(db):
    with pytest.raises(CommandError, match=r"config\.default_language"):
        setup("--slug", "slack-x", "--kind", "slack", "--config", "default_language=de")


def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def test_the_admin_makes_a_slack_app_channel_with_write_only_secrets(client, db):
    client.force_login(superuser())

    response = client.post(
        reverse("admin:tracker_channel_add"),
        {
            "slug": "slack-acme",
            "name": "Acme's Slack",
            "kind": "slack",
            "config": '{"account": "acme.example"}',
            "is_active": "on",
            "secret_bot_token": SLACK_SECRETS[0],
            "secret_signing_secret": SLACK_SECRETS[1],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    channel = Channel.objects.get(slug="slack-acme")
    assert channel.secret("signing_secret") == SLACK_SECRETS[1]
    page = client.get(reverse("admin:tracker_channel_change", args=[channel.pk])).content.decode()
    assert not any(secret in page for secret in SLACK_SECRETS)
    assert "/integrations/slack/interactivity/" in page
    assert "/integrations/slack/commands/" in page


def test_the_admin_page_of_an_installed_bitrix24_app_shows_no_token(
    client, bitrix24_channel, bitrix24_api
):
    client.post(
        reverse("integrations:bitrix24-install", args=["b24-app"]), install_form(bitrix24_api)
    )
    portal = Bitrix24Portal.objects.get()
    client.force_login(superuser())

    page = client.get(
        reverse("admin:tracker_channel_change", args=[bitrix24_channel.pk])
    ).content.decode()

    assert "Installed on vendor.bitrix24.com." in page
    assert "/integrations/bitrix24/b24-app/install/" in page
    for secret in (
        portal.access_token,
        portal.refresh_token,
        portal.application_token,
        CLIENT_SECRET,
    ):
        assert secret not in page


@pytest.mark.parametrize("role", ["Support staff", "Product managers", None])
def test_other_roles_see_the_channel_without_its_secrets(client, bitrix24_channel, role):
    user = UserFactory(username="someone", is_staff=True, groups=[role] if role else [])
    client.force_login(user)

    response = client.get(reverse("admin:tracker_channel_change", args=[bitrix24_channel.pk]))

    assert response.status_code in (200, 403, 302)
    assert CLIENT_SECRET not in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client, bitrix24_channel):
    response = client.get(reverse("admin:tracker_channel_change", args=[bitrix24_channel.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
