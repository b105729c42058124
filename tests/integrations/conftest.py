"""A local Slack Web API that answers as Slack's reference pages show, and helpers that
sign requests the way Slack does."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

__all__ = ["policy"]  # the fast delivery policy of the notification tests

from tests.factories import ChannelFactory
from tests.notifications.conftest import Recorded, Reply, Server, policy, serve
from tracker.choices import ChannelKind

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy"


class SlackApi:
    """Answers views.open, chat.postEphemeral and chat.postMessage with the success shapes of
    their reference pages (docs.slack.dev/reference/methods/…), and records every call."""

    def __init__(self) -> None:
        self.calls: list[Recorded] = []
        self.fail: dict[str, str] = {}  # method -> Slack error code

    def __call__(self, recorded: Recorded) -> Reply:
        self.calls.append(recorded)
        method = recorded.path.rsplit("/", 1)[-1]
        if method in self.fail:
            return Reply(body=json.dumps({"ok": False, "error": self.fail[method]}).encode())
        payload = recorded.json()
        if method == "views.open":
            # "Typical success response includes the opened view payload."
            view = payload["view"]
            answer = {
                "ok": True,
                "view": {
                    "id": "VMHU10V25",
                    "team_id": "T8N4K1JN",
                    **view,
                    "state": {"values": {}},
                    "hash": "156772938.1827394",
                    "root_view_id": "VMHU10V25",
                    "app_id": "AA4928AQ",
                    "bot_id": "BA13894H",
                },
            }
        elif method == "chat.postEphemeral":
            answer = {"ok": True, "message_ts": "1502210682.580145"}
        elif method == "chat.postMessage":
            answer = {
                "ok": True,
                "channel": payload["channel"],
                "ts": "1503435956.000247",
                "message": {"text": payload["text"], "type": "message", "subtype": "bot_message"},
            }
        else:
            answer = {"ok": False, "error": "unknown_method"}
        return Reply(body=json.dumps(answer).encode())

    def of(self, method: str) -> list[dict]:
        return [c.json() for c in self.calls if c.path.endswith("/" + method)]


@pytest.fixture
def slack_api() -> Iterator[tuple[Server, SlackApi]]:
    api = SlackApi()
    yield from ((server, api) for server in serve(api))


@pytest.fixture
def slack_workspace(db, channel, slack_api):
    server, _ = slack_api
    return ChannelFactory(
        slug="slack-acme",
        name="Acme's Slack",
        kind=ChannelKind.SLACK,
        config={"api_url": server.url + "/api", "account": "acme.example"},
        secrets={"bot_token": BOT_TOKEN, "signing_secret": SIGNING_SECRET},
    )


def slack_signed(
    body: str, *, secret: str = SIGNING_SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers as Slack sends them. "Verifying requests from Slack": concatenate the version
    number, the timestamp and the body of the request to form a basestring, with a colon as
    the delimiter (`v0:{timestamp}:{body}`); hash it with HMAC-SHA256 keyed by the signing
    secret, and prefix the hex digest with `v0=`. The timestamp is
    X-Slack-Request-Timestamp; one more than five minutes old may be a replay."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": str(timestamp),
        "HTTP_X_SLACK_SIGNATURE": f"v0={digest}",
    }


def post_signed(client, url: str, form: dict[str, str], **sign):
    body = urlencode(form)
    return client.post(
        url, body, content_type="application/x-www-form-urlencoded", **slack_signed(body, **sign)
    )
