"""Bad configuration is refused when it is entered, not when it is used: `channel_setup`
(exactly as DESIGN.md gives it), the admin, and intake's thread references."""

import base64
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from tests.api.conftest import client_for, intake_payload
from tests.factories import ChannelFactory, UserFactory
from tracker.choices import ChannelKind
from tracker.models import Channel, Thread

pytestmark = pytest.mark.django_db

GOOD_KEY = "whsec_" + base64.b64encode(b"x" * 24).decode()
SHORT_KEY = "whsec_" + base64.b64encode(b"x" * 23).decode()


def setup(*args):
    out = StringIO()
    call_command("channel_setup", *args, stdout=out)
    return out.getvalue()


def refused(*args):
    with pytest.raises(CommandError) as error:
        setup(*args)
    return str(error.value)


# --- channel_setup ------------------------------------------------------------------------


def test_it_creates_a_channel_with_its_settings_and_secrets():
    out = setup(
        *("--slug", "hooks-main", "--kind", "webhook", "--name", "Generic webhook"),
        *("--config", "url=https://hooks.example/in", "--secret", f"signing_key={GOOD_KEY}"),
    )

    channel = Channel.objects.get(slug="hooks-main")
    assert (channel.kind, channel.name) == ("webhook", "Generic webhook")
    assert channel.config == {"url": "https://hooks.example/in"}
    assert channel.secrets == {"signing_key": GOOD_KEY}
    assert out == (
        "Created channel hooks-main (webhook); settings: url; secrets: signing_key set.\n"
    )
    assert GOOD_KEY not in out


def test_a_channel_holds_several_named_secrets_and_each_is_only_replaced():
    setup(
        *("--slug", "slack-main", "--kind", "slack"),
        *("--secret", "bot_token=xoxb-1-first", "--secret", "signing_secret=abc123def456"),
    )
    out = setup("--slug", "slack-main", "--kind", "slack", "--secret", "bot_token=xoxb-2-second")

    channel = Channel.objects.get(slug="slack-main")
    assert channel.secrets == {"bot_token": "xoxb-2-second", "signing_secret": "abc123def456"}
    assert channel.name == "slack-main"
    assert "Updated channel slack-main" in out
    assert "bot_token set, signing_secret set" in out


def test_updating_a_setting_keeps_the_others_and_an_empty_value_removes_it():
    setup(
        *("--slug", "mail", "--kind", "email"),
        *("--config", "host=smtp.example", "--config", "port=587", "--config", "use_tls=true"),
        *("--config", "from=s@vendor.example", "--config", "to=h@vendor.example"),
    )
    setup("--slug", "mail", "--kind", "email", "--config", "port=2525", "--config", "use_tls=")

    assert Channel.objects.get(slug="mail").config == {
        "host": "smtp.example",
        "port": 2525,
        "from": "s@vendor.example",
        "to": "h@vendor.example",
    }


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (
            ("--secret", f"signing_key={SHORT_KEY}"),
            "secrets.signing_key: A signing key is 24 to 64",
        ),
        (
            ("--secret", "signing_key=not-a-whsec-key"),
            "secrets.signing_key: A signing key is written",
        ),
        (("--secret", "signing_key=whsec_!!notbase64"), "secrets.signing_key"),
        (("--secret", "bot_token=xoxb-1"), "secrets.bot_token: A webhook channel takes no secret"),
        (("--config", "url=ftp://hooks.example/in"), "config.url: Give an http(s) URL"),
        (("--config", "url=javascript:alert(1)"), "config.url: Give an http(s) URL"),
        (("--config", "url=https://user:pw@hooks.example/"), "config.url: Put credentials"),
        (("--config", "password=hunter2"), "config.password: A webhook channel has no setting"),
        (("--secret", "no-equals-sign"), "--secret takes name=value"),
    ],
)
def test_a_webhook_channel_with_bad_configuration_is_refused(args, says):
    message = refused(
        "--slug", "hooks", "--kind", "webhook", "--config", "url=https://h.example/", *args
    )

    assert says in message
    assert not Channel.objects.exists()
    for secret in (SHORT_KEY, "not-a-whsec-key", "hunter2", "no-equals-sign"):
        assert secret not in message


def test_a_webhook_channel_needs_its_url():
    assert "config.url: A webhook channel needs 'url'" in refused(
        "--slug", "hooks", "--kind", "webhook"
    )


def test_a_bitrix24_url_must_not_carry_the_webhook_code():
    message = refused(
        *("--slug", "b24", "--kind", "bitrix24"),
        *("--config", "url=https://acme.bitrix24.com/rest/1/s3cr3tc0de/"),
    )

    assert "config.url: Give the incoming webhook's address without its code" in message
    assert "s3cr3tc0de" not in message


def test_a_bitrix24_webhook_code_cannot_bend_its_url():
    message = refused(
        *("--slug", "b24", "--kind", "bitrix24"),
        *("--config", "url=https://acme.bitrix24.com/rest/1/", "--secret", "webhook_token=a/b?c"),
    )

    assert "secrets.webhook_token" in message


def test_a_bad_setting_type_is_refused():
    assert "config.port: port must be a number" in refused(
        *("--slug", "mail", "--kind", "email", "--config", "port=twenty-five"),
    )
    assert "config.link_previews: link_previews is true or false" in refused(
        *("--slug", "s", "--kind", "slack", "--config", "link_previews=maybe"),
    )


def test_the_kind_of_a_channel_with_threads_is_not_changed(channel):
    Thread.objects.create(channel=channel, ref="chat1", account=_account())

    message = refused("--slug", channel.slug, "--kind", "slack")

    assert "kind: The channel has threads" in message


def test_setting_a_secret_resumes_a_channel_paused_for_want_of_a_person():
    setup(
        *("--slug", "b24", "--kind", "bitrix24"),
        *("--config", "url=https://acme.bitrix24.com/rest/1/", "--secret", "webhook_token=old"),
    )
    Channel.objects.update(
        paused_at="2026-01-01T00:00:00Z", needs_person=True, pause_reason="Bitrix24: expired_token"
    )

    setup("--slug", "b24", "--kind", "bitrix24", "--secret", "webhook_token=new")

    channel = Channel.objects.get()
    assert (channel.paused_at, channel.needs_person, channel.pause_reason) == (None, False, "")


def _account():
    from tests.factories import AccountFactory

    return AccountFactory()


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_refuses_a_url_that_is_not_http(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:tracker_channel_add"),
        {
            "slug": "hooks",
            "name": "Hooks",
            "kind": "webhook",
            "config": '{"url": "file:///etc/passwd"}',
            "is_active": "on",
        },
    )

    assert response.status_code == 200
    assert "Give an http(s) URL." in response.content.decode()
    assert not Channel.objects.exists()


# --- intake: the thread reference is valid for its channel's kind -----------------------


KIND_REFS = {
    ChannelKind.EMAIL: (
        ["<CAF1234.5678@mail.customer.example>", "CAF1234@mail.example"],
        ["<a@b>\r\nBcc: x@y", "<заявка@почта.рф>", "no-at-sign", "<a@b@c>", "<a b@c>"],
    ),
    ChannelKind.SLACK: (
        ["C024BE91L:1712345678.000200", "1712345678.000200"],
        ["general", "C024BE91L", "C024BE91L:yesterday", "#general:1.2"],
    ),
    ChannelKind.BITRIX24: (["chat4711", "256"], ["general", "chat", "chat47 11", "user:1"]),
    ChannelKind.WEBHOOK: (["anything at all", "чат 4711"], ["", "a\nb"]),
}


@pytest.mark.parametrize("kind", KIND_REFS)
def test_intake_refuses_a_thread_reference_its_channel_cannot_use(support_agent, kind):
    ChannelFactory(slug="the-channel", kind=kind)
    agent = client_for(support_agent)
    good, bad = KIND_REFS[kind]

    for ref in bad:
        response = agent.post(
            reverse("api-intake"),
            intake_payload(thread={"channel": "the-channel", "ref": ref, "language": "en"}),
            format="json",
        )
        assert response.status_code == 400, ref
        [error] = response.json()["errors"]
        assert error["field"] == "thread.ref", ref
    for ref in good:
        response = agent.post(
            reverse("api-intake"),
            intake_payload(thread={"channel": "the-channel", "ref": ref, "language": "en"}),
            format="json",
        )
        assert response.status_code == 201, (ref, response.json())
    assert sorted(Thread.objects.values_list("ref", flat=True)) == sorted(good)
