"""Text is escaped for where it lands: a product manager's note with Slack and Bitrix24
markup arrives as the literal text they typed, at local servers that answer as Slack's
chat.postMessage and Bitrix24's im.message.add do."""

import json
import re

import pytest

from tests.factories import ChannelFactory, ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import ChannelKind, DeliveryState, Status
from tracker.models import Notification
from tracker.notifications.delivery import deliver_batch
from tracker.notifications.messages import render

from .conftest import Reply

# Everything the issue saw get through, and more of each markup.
NOTE = (
    "<!channel> Please read <https://evil.example|the status page> & *this*.\n"
    "[user=all]Everyone[/user] [send=/delete]Click[/send] [URL=https://evil.example]x[/URL]\n"
    ">>not a quote #BR# [b]not bold[/b] &amp; <@U024BE7LH>"
)

# Slack's answer to chat.postMessage, as its reference shows it (slack-api-ref,
# methods/chat/chat.postMessage.json): {"ok": true, "channel": …, "ts": …, "message": …}.
SLACK_OK = b'{"ok": true, "channel": "C024BE91L", "ts": "1712345679.000300"}'
# Bitrix24's answer to im.message.add (b24restdocs, im-message-add.md): {"result": <id>}.
BITRIX_OK = b'{"result": 11}'

# Slack parses `<…>` as links, mentions and commands, and `&` starts an entity
# (docs.slack.dev, "Formatting text": "&, < and > … must be converted to HTML entities").
SLACK_ENTITY = re.compile(r"&(amp|lt|gt);")
# Bitrix24's BB-codes (b24restdocs, chat-bots-v2 message-formatting.md): a tag is `[name`
# followed by `]`, `=` or a space; `>>` starts a quote line; `#BR#` is a line break.
BB_TAG = re.compile(
    r"\[/?(b|i|u|s|size|color|url|user|chat|context|code|img|icon|put|send|call|timestamp"
    r"|disk|br)(?=[\]=\s])",
    re.IGNORECASE,
)


def slack_shows(text):
    """What a Slack client shows for `text` sent with mrkdwn off: entities decoded, and any
    `<…>` taken as markup (which must not happen)."""
    assert "<" not in text and ">" not in text, "raw control characters reach Slack"
    assert "&" not in SLACK_ENTITY.sub("", text), "a bare & reaches Slack"
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def bitrix_shows(text):
    """What a Bitrix24 chat shows: no tag, quote or line-break code may take effect; the
    zero-width spaces that stop them are invisible."""
    assert not BB_TAG.search(text), "a BB-code tag reaches Bitrix24"
    assert not re.search(r"^>>", text, re.MULTILINE)
    assert "#BR#" not in text.upper()
    return text.replace("\u200b", "")


@pytest.fixture
def noted(db):
    """A thread per channel and a status change whose note is full of markup."""

    def noted(channel, ref):
        request = log_in_thread(ThreadFactory(channel=channel, ref=ref), title="Export").request
        services.request_transition(number=request.number, status=Status.ACCEPTED, public_note=NOTE)
        return request

    return noted


def recorded(server, api, answer):
    requests = []
    api.default = Reply(body=answer)
    original = server.respond
    server.respond = lambda r: (requests.append(r), original(r))[1]
    return requests


def test_a_note_with_markup_reaches_slack_as_typed(http_api, noted, policy):
    server, api = http_api
    channel = ChannelFactory(
        slug="slack-main",
        kind=ChannelKind.SLACK,
        config={"api_url": server.url + "/api"},
        secrets={"bot_token": "xoxb-test"},
    )
    requests = recorded(server, api, SLACK_OK)
    noted(channel, "C024BE91L:1712345678.000200")

    deliver_batch(policy=policy)
    deliver_batch(policy=policy)

    assert Notification.objects.filter(state=DeliveryState.DELIVERED).count() == 2
    sent = requests[-1].json()
    shown = slack_shows(sent["text"])
    assert NOTE in shown
    assert shown == render(Notification.objects.order_by("id").last())
    # Slack's own formatting is off too, and no preview card unless the channel wants one.
    assert (sent["mrkdwn"], sent["unfurl_links"], sent["unfurl_media"]) == (False, False, False)


def test_a_note_with_markup_reaches_bitrix24_as_typed(http_api, noted, policy):
    server, api = http_api
    channel = ChannelFactory(
        slug="b24-main",
        kind=ChannelKind.BITRIX24,
        config={"url": server.url + "/rest/1/"},
        secrets={"webhook_token": "t0k3n"},
    )
    requests = recorded(server, api, BITRIX_OK)
    noted(channel, "chat4711")

    deliver_batch(policy=policy)
    deliver_batch(policy=policy)

    sent = requests[-1].json()
    shown = bitrix_shows(sent["MESSAGE"])
    assert NOTE in shown
    assert shown == render(Notification.objects.order_by("id").last())
    assert sent["URL_PREVIEW"] == "N"


def test_link_previews_are_a_channel_setting(http_api, policy, db):
    server, api = http_api
    slack = ChannelFactory(
        slug="slack-previews",
        kind=ChannelKind.SLACK,
        config={"api_url": server.url + "/api", "link_previews": True},
        secrets={"bot_token": "xoxb-test"},
    )
    bitrix = ChannelFactory(
        slug="b24-previews",
        kind=ChannelKind.BITRIX24,
        config={"url": server.url + "/rest/1/", "link_previews": True},
        secrets={"webhook_token": "t0k3n"},
    )
    requests = recorded(server, api, b'{"ok": true, "result": 1}')
    log_in_thread(ThreadFactory(channel=slack, ref="C1:1.2"), title="One")
    log_in_thread(ThreadFactory(channel=bitrix, ref="chat1"), title="Two")

    deliver_batch(policy=policy)

    bodies = {r.path: json.loads(r.body) for r in requests}
    assert bodies["/api/chat.postMessage"]["unfurl_links"] is True
    assert bodies["/rest/1/t0k3n/im.message.add.json"]["URL_PREVIEW"] == "Y"


def test_a_note_reaches_an_email_as_typed_and_never_reaches_a_header(smtp_server, noted, policy):
    controller, mailbox = smtp_server
    channel = ChannelFactory(
        slug="mail-main",
        kind=ChannelKind.EMAIL,
        config={
            "host": "127.0.0.1",
            "port": controller.port,
            "from": "support@vendor.example",
            "to": "helpdesk@vendor.example",
        },
    )
    request = noted(channel, "<CAF1@mail.customer.example>")
    services.request_transition(
        number=request.number,
        status=Status.IN_PROGRESS,
        public_note="Line one\r\nBcc: everyone@example.com\r\nSubject: free",
    )

    for _ in range(3):
        deliver_batch(policy=policy)

    assert Notification.objects.filter(state=DeliveryState.DELIVERED).count() == 3
    last = mailbox.messages[-1][2]
    assert last["Bcc"] is None
    assert last["Subject"] == f"Request #{request.number}"
    assert "Bcc: everyone@example.com" in last.get_content()
    assert NOTE in mailbox.messages[1][2].get_content().replace("\r\n", "\n")


@pytest.mark.parametrize(
    ("escape", "text", "expected"),
    [
        ("slack", "a & b < c > d", "a &amp; b &lt; c &gt; d"),
        ("slack", "&lt; stays as typed", "&amp;lt; stays as typed"),
        ("bitrix24", "[b]x[/b]", "[\u200bb]x[\u200b/b]"),
        ("bitrix24", ">>quote\nok >> fine", ">\u200b>quote\nok >> fine"),
        ("bitrix24", "a#br#b", "a#\u200bbr#b"),
    ],
)
def test_each_channel_escapes_its_own_markup(escape, text, expected):
    from tracker.channels import bitrix24, slack

    module = {"slack": slack, "bitrix24": bitrix24}[escape]

    assert module.escape(text) == expected
