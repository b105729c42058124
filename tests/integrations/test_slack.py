"""The Slack app through HTTP: the shortcut opens the modal at a local Slack, a submission
logs or attaches through the intake service, the agent gets an ephemeral confirmation, the
customer's thread gets the notification, and nothing unsigned changes anything."""

from __future__ import annotations

import json
import time

import pytest
from django.urls import reverse
from django.utils import translation

from tests.factories import log_intake
from tests.integrations.conftest import post_signed
from tracker.choices import DeliveryState
from tracker.integrations import slack
from tracker.integrations.common import Closest
from tracker.models import Mention, Notification, Thread
from tracker.notifications.delivery import deliver_batch

INTERACTIVITY = reverse("integrations:slack-interactivity")
COMMANDS = reverse("integrations:slack-commands")
CHANNEL_ID, THREAD_TS = "C024BE91L", "1712345678.000200"


def shortcut(text: str, *, ts: str = THREAD_TS, thread_ts: str | None = None) -> dict[str, str]:
    """A message shortcut's payload, shaped as Slack's reference for message_action shows."""
    message = {"type": "message", "user": "U0CUSTOMER", "ts": ts, "text": text}
    if thread_ts:
        message["thread_ts"] = thread_ts
    payload = {
        "type": "message_action",
        "token": "Nj2rfC2hU8mAfgaJLemZgO7H",
        "action_ts": "1712345690.123456",
        "team": {"id": "T8N4K1JN", "domain": "vendor"},
        "user": {"id": "U0AGENT", "username": "agent", "team_id": "T8N4K1JN"},
        "channel": {"id": CHANNEL_ID, "name": "support-acme"},
        "callback_id": "log_feature_request",
        "trigger_id": "13345224609.738474920.8088930838d88f008e0",
        "message_ts": ts,
        "message": message,
        "response_url": "https://hooks.slack.com/app/T8N4K1JN/1/abc",
    }
    return {"payload": json.dumps(payload)}


def submission(metadata: str, **values: str) -> dict[str, str]:
    """A view_submission: each block's state as Slack sends it (a text input's `value`, a
    select's `selected_option`)."""
    selects = {"attach", "kind", "criticality", "language"}
    state = {
        block: {
            block: (
                {"type": "static_select", "selected_option": {"value": value}}
                if block in selects
                else {"type": "plain_text_input", "value": value}
            )
        }
        for block, value in values.items()
    }
    payload = {
        "type": "view_submission",
        "team": {"id": "T8N4K1JN", "domain": "vendor"},
        "user": {"id": "U0AGENT", "username": "agent"},
        "view": {
            "id": "VMHU10V25",
            "type": "modal",
            "callback_id": "log_feature_request",
            "private_metadata": metadata,
            "state": {"values": state},
        },
    }
    return {"payload": json.dumps(payload)}


def opened_view(api) -> dict:
    [call] = api.of("views.open")
    assert call["trigger_id"] == "13345224609.738474920.8088930838d88f008e0"
    return call["view"]


def test_a_shortcut_opens_the_modal_with_the_message_and_the_closest_requests(
    client, slack_workspace, slack_api
):
    _, api = slack_api
    existing = log_intake("Export deals to XLSX", channel="hooks-main")
    existing.refresh_from_db()

    response = post_signed(client, INTERACTIVITY, shortcut("Can we export deals to XLSX?"))

    assert response.status_code == 200
    [sent] = [c for c in api.calls if c.path == "/api/views.open"]
    assert sent.headers["authorization"] == "Bearer " + slack_workspace.secret("bot_token")
    view = opened_view(api)
    assert view["callback_id"] == "log_feature_request"
    blocks = {b["block_id"]: b for b in view["blocks"]}
    assert blocks["message"]["text"]["text"] == "Can we export deals to XLSX?"
    assert (
        f"#{existing.number} Export deals to XLSX · Under review · 1 customer"
        in (blocks["closest"]["text"]["text"])
    )
    options = blocks["attach"]["element"]["options"]
    assert options[0]["value"] == str(existing.number)
    assert blocks["quote"]["element"]["initial_value"] == "Can we export deals to XLSX?"
    assert blocks["language"]["element"]["initial_option"]["value"] == "en"
    assert "account" not in blocks  # the channel names the account
    assert json.loads(view["private_metadata"]) == {"channel": CHANNEL_ID, "thread_ts": THREAD_TS}


def test_a_submission_attaches_confirms_privately_and_the_thread_hears_of_it(
    client, slack_workspace, slack_api, policy
):
    _, api = slack_api
    existing = log_intake("Export deals to XLSX", channel="hooks-main")
    post_signed(client, INTERACTIVITY, shortcut("Экспорт сделок в XLSX, пожалуйста"))
    view = opened_view(api)
    assert {b["block_id"]: b for b in view["blocks"]}["language"]["element"]["initial_option"][
        "value"
    ] == "ru"

    response = post_signed(
        client,
        INTERACTIVITY,
        submission(
            view["private_metadata"],
            attach=str(existing.number),
            kind="suggestion",
            criticality="high",
            quote="Экспорт сделок в XLSX, пожалуйста",
            language="ru",
        ),
    )

    assert response.status_code == 200
    assert response.content == b""  # an empty 200 closes the modal
    mention = Mention.objects.get(thread__ref=f"{CHANNEL_ID}:{THREAD_TS}")
    assert mention.request_id == existing.number
    assert (mention.thread.account.external_id, mention.thread.language) == ("acme.example", "ru")
    assert mention.criticality == "high"
    assert api.of("chat.postEphemeral") == [
        {
            "channel": CHANNEL_ID,
            "user": "U0AGENT",
            "thread_ts": THREAD_TS,
            "text": f"Attached to request #{existing.number}: Export deals to XLSX. "
            "The customer is told in the thread.",
        }
    ]

    deliver_batch(policy=policy)

    notification = Notification.objects.get(thread=mention.thread)
    assert notification.state == DeliveryState.DELIVERED
    [posted] = api.of("chat.postMessage")
    assert (posted["channel"], posted["thread_ts"]) == (CHANNEL_ID, THREAD_TS)
    assert f"заявке №{existing.number}" in posted["text"]  # in the thread's language


def test_a_submission_with_a_title_logs_a_new_request_from_a_reply(
    client, slack_workspace, slack_api
):
    _, api = slack_api
    reply = shortcut("通知をまとめて", ts="1712345999.000900", thread_ts=THREAD_TS)
    post_signed(client, INTERACTIVITY, reply)
    view = opened_view(api)
    assert json.loads(view["private_metadata"])["thread_ts"] == THREAD_TS

    post_signed(
        client,
        INTERACTIVITY,
        submission(
            view["private_metadata"],
            title="Digest of notifications",
            kind="suggestion",
            criticality="normal",
            quote="通知をまとめて",
        ),
    )

    mention = Mention.objects.get()
    assert mention.request.title == "Digest of notifications"
    assert mention.thread.ref == f"{CHANNEL_ID}:{THREAD_TS}"
    assert mention.thread.language == "ja"  # read from the customer's words
    [ephemeral] = api.of("chat.postEphemeral")
    assert ephemeral["text"].startswith(f"Logged as request #{mention.request.number}:")


def test_an_incomplete_defect_keeps_the_modal_open_naming_each_missing_part(
    client, slack_workspace, slack_api
):
    meta = json.dumps({"channel": CHANNEL_ID, "thread_ts": THREAD_TS})
    response = post_signed(
        client,
        INTERACTIVITY,
        submission(meta, title="Export crashes", kind="defect", steps="Click export"),
    )

    answer = response.json()
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"started_how", "expected", "actual", "attachments"}
    assert not Mention.objects.exists()
    assert not slack_api[1].of("chat.postEphemeral")


def test_neither_a_request_nor_a_title_is_refused_under_the_title(client, slack_workspace):
    meta = json.dumps({"channel": CHANNEL_ID, "thread_ts": THREAD_TS})
    response = post_signed(client, INTERACTIVITY, submission(meta, kind="suggestion"))
    assert list(response.json()["errors"]) == ["title"]
    assert not Thread.objects.exists()


def test_without_an_account_in_the_channel_the_agent_names_it(client, slack_workspace, slack_api):
    _, api = slack_api
    slack_workspace.config = {k: v for k, v in slack_workspace.config.items() if k != "account"}
    slack_workspace.save()
    post_signed(client, INTERACTIVITY, shortcut("Dark mode please"))
    view = opened_view(api)
    assert "account" in {b["block_id"] for b in view["blocks"]}

    post_signed(
        client,
        INTERACTIVITY,
        submission(view["private_metadata"], title="Dark mode", account="globex.example"),
    )

    assert Mention.objects.get().thread.account.external_id == "globex.example"


@pytest.mark.parametrize(
    "sign",
    [
        {"secret": "not-the-signing-secret"},
        {"age": 5 * 60 + 30},  # older than five minutes: a replay
        {"age": -(5 * 60 + 30)},
    ],
    ids=["wrong secret", "stale", "from the future"],
)
def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(
    client, slack_workspace, slack_api, sign
):
    _, api = slack_api
    meta = json.dumps({"channel": CHANNEL_ID, "thread_ts": THREAD_TS})
    if "age" in sign:
        sign = {"timestamp": int(time.time()) - sign["age"]}

    responses = [
        post_signed(client, INTERACTIVITY, shortcut("Dark mode please"), **sign),
        post_signed(client, INTERACTIVITY, submission(meta, title="Dark mode"), **sign),
        post_signed(client, COMMANDS, {"command": "/request", "text": "1"}, **sign),
    ]

    assert [r.status_code for r in responses] == [401, 401, 401]
    assert api.calls == []
    assert not Thread.objects.exists()
    assert not Notification.objects.exists()


def test_an_unsigned_request_is_refused(client, slack_workspace, slack_api):
    response = client.post(INTERACTIVITY, shortcut("Dark mode please"))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "not_authenticated"
    assert slack_api[1].calls == []


def test_a_body_changed_after_signing_is_refused(client, slack_workspace, slack_api):
    from urllib.parse import urlencode

    from tests.integrations.conftest import slack_signed

    headers = slack_signed(urlencode(shortcut("Dark mode please")))
    response = client.post(
        INTERACTIVITY,
        urlencode(shortcut("Something else")),
        content_type="application/x-www-form-urlencoded",
        **headers,
    )
    assert response.status_code == 401


def test_request_command_answers_the_status_privately(client, slack_workspace):
    request = log_intake("Export deals to XLSX <b>", channel="hooks-main")

    response = post_signed(
        client,
        COMMANDS,
        {
            "command": "/request",
            "text": f"#{request.number}",
            "team_id": "T8N4K1JN",
            "channel_id": CHANNEL_ID,
            "user_id": "U0AGENT",
        },
    )

    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(
        f"#{request.number} Export deals to XLSX &lt;b&gt;: Under review, 1 customer."
    )
    assert f"/status/{request.number}/" in answer["text"]


def test_request_command_for_an_unknown_number(client, slack_workspace):
    response = post_signed(client, COMMANDS, {"command": "/request", "text": "999999"})
    assert response.json()["text"] == "There is no request #999999."


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_the_modal_stays_within_block_kit_limits(language):
    """Block Kit's limits (docs.slack.dev/reference/views/modal-views and the block and
    element references): a modal's title, submit and close at most 24 characters, at most
    100 blocks, private_metadata at most 3000 characters; a section's text at most 3000; an
    option's text at most 75 and its value 150, at most 100 options; an input's label at
    most 2000 and a plain_text_input's max_length at most 3000; a block_id at most 255."""
    closest = [
        Closest(number=10**12 + n, title="Экспорт " * 40, status="under_review", customers=10**6)
        for n in range(5)
    ]
    with translation.override(language):
        view = slack.modal(
            message="長いメッセージ" * 1000,
            closest=closest,
            language="ja",
            metadata={"channel": CHANNEL_ID, "thread_ts": THREAD_TS},
            ask_account=True,
        )
    for name in ("title", "submit", "close"):
        assert len(view[name]["text"]) <= 24, name
    assert len(view["blocks"]) <= 100
    assert len(view["private_metadata"]) <= 3000
    assert len(json.dumps(view)) < 250_000  # views.open's view_too_large
    for block in view["blocks"]:
        assert len(block["block_id"]) <= 255
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "input":
            assert len(block["label"]["text"]) <= 2000
            assert len(block.get("hint", {}).get("text", "")) <= 2000
            element = block["element"]
            assert len(element["action_id"]) <= 255
            if element["type"] == "plain_text_input":
                assert element["max_length"] <= 3000
                assert len(element.get("initial_value", "")) <= element["max_length"]
            if element["type"] == "static_select":
                assert len(element["options"]) <= 100
                for option in element["options"]:
                    assert len(option["text"]["text"]) <= 75
                    assert len(option["value"]) <= 150


def test_the_app_manifest_names_our_endpoints_and_the_shortcut():
    from pathlib import Path

    manifest = json.loads(
        (Path(__file__).resolve().parents[2] / "docs" / "slack-app-manifest.json").read_text()
    )
    [shortcut] = manifest["features"]["shortcuts"]
    assert (shortcut["type"], shortcut["callback_id"]) == ("message", slack.CALLBACK_ID)
    assert manifest["settings"]["interactivity"]["request_url"].endswith(INTERACTIVITY)
    [command] = manifest["features"]["slash_commands"]
    assert (command["command"], command["url"].endswith(COMMANDS)) == ("/request", True)
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == {"commands", "chat:write"}
