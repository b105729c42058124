"""A local Slack Web API that answers as Slack's reference pages show, and helpers that
sign requests the way Slack does."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

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


# --- a local Bitrix24: its OAuth server and a portal's REST -------------------------------

CLIENT_ID = "local.6579c8a2b5e1d0.12345678"
CLIENT_SECRET = "LJSl0lNB76B5YY6u0YVQ3AW0DrVADcRTwVr4y99PXU1BWQybWK"
MEMBER_ID = "a223c6b3710f85df22e9377d6c4f7553"
APPLICATION_TOKEN = "51856fefc120afa4b628cc82d3935cce"
AGENT_AUTH = "6061e72600631fcd00005a4b00000001f0f1076700000000f69dd5fc643d9ce2fdbc1"
TIME = {
    "start": 1712132792.910734,
    "finish": 1712132793.530359,
    "duration": 0.6196250915527344,
    "processing": 0.032338857650756836,
    "date_start": "2024-04-03T10:26:32+02:00",
    "date_finish": "2024-04-03T10:26:33+02:00",
}


@dataclass
class Bitrix24Call:
    method: str
    params: dict


class Bitrix24:
    """Answers as bitrix24/b24restdocs shows: the OAuth server's token renewal
    (settings/oauth/index.md), and each REST method's "Response Handling" or "Successful
    response" example. Records every call; refuses a token it did not issue with
    `expired_token` (HTTP 401), as the portal does."""

    def __init__(self) -> None:
        self.url = ""
        self.calls: list[Bitrix24Call] = []
        self.refresh_tokens = {"4f9k4jpmg13usmybzuqknt2v9fh0q6rl"}
        self.access_tokens = {AGENT_AUTH}
        self.issued = 0
        self.messages: list[dict] = []
        self.crm_company: int | None = 12
        self.chat_page = ""
        self.lock = threading.Lock()

    def token(self, query: dict[str, str]) -> tuple[int, dict]:
        if (query.get("client_id"), query.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client", "error_description": "Invalid client"}
        if query.get("grant_type") != "refresh_token" or (
            query.get("refresh_token") not in self.refresh_tokens
        ):
            return 400, {"error": "invalid_grant", "error_description": "Invalid grant"}
        with self.lock:
            self.refresh_tokens.discard(query["refresh_token"])
            self.issued += 1
            access, refresh = f"access{self.issued:026d}", f"refresh{self.issued:025d}"
            self.access_tokens.add(access)
            self.refresh_tokens.add(refresh)
        return 200, {
            "access_token": access,
            "client_endpoint": self.url + "/rest/",
            "domain": "oauth.bitrix.info",
            "expires_in": 3600,
            "member_id": MEMBER_ID,
            "refresh_token": refresh,
            "scope": "app",
            "server_endpoint": self.url + "/rest/",
            "status": "L",
        }

    def rest(self, method: str, params: dict) -> tuple[int, dict]:
        auth = params.pop("auth", None)
        self.calls.append(Bitrix24Call(method, {**params, "auth": auth}))
        if auth not in self.access_tokens:
            return 401, {
                "error": "expired_token",
                "error_description": "The access token provided has expired.",
            }
        if method == "app.info":
            result: object = {
                "ID": 5,
                "CODE": CLIENT_ID,
                "VERSION": 1,
                "STATUS": "L",
                "INSTALLED": True,
                "PAYMENT_EXPIRED": "N",
                "DAYS": None,
                "LANGUAGE_ID": "en",
                "LICENSE": "en_pro100",
                "LICENSE_TYPE": "pro100",
                "LICENSE_FAMILY": "pro",
            }
        elif method in ("placement.bind", "event.bind"):
            result = True
        elif method == "im.dialog.messages.get":
            result = {
                "messages": [
                    m
                    for m in self.messages
                    if "LAST_ID" not in params or m["id"] < int(params["LAST_ID"])
                ][: int(params.get("LIMIT", 20))],
                "users": [
                    {"id": 1, "name": "Eugene Shelenkov", "bot": False, "connector": False},
                    {"id": 28, "name": "Ivan Petrov", "bot": False, "connector": True},
                ],
                "files": [],
                "chat_id": 4711,
            }
        elif method == "imopenlines.dialog.get":
            bound = f"Y|COMPANY|{self.crm_company}" if self.crm_company else "N|NONE|0"
            result = {
                "avatar": "",
                "color": "#4ba984",
                "date_create": "2020-05-12T17:40:55+02:00",
                "dialog_id": params.get("DIALOG_ID"),
                "entity_data_1": bound + "|N|N|0|1591872180|1|0|",
                "entity_data_2": "",
                "entity_data_3": "",
                "entity_id": "livechat|1|1363|203",
                "entity_type": "LINES",
                "extranet": False,
                "id": 4711,
                "manager_list": [],
                "message_type": "L",
                "name": "Ivan Petrov - Priority Support",
                "owner": 0,
                "type": "lines",
            }
        elif method == "crm.company.get":
            result = {"ID": str(params.get("id")), "TITLE": "Acme LLC", "COMPANY_TYPE": "CUSTOMER"}
        elif method == "im.message.add":
            result = 28561625 + len(self.calls)
        else:
            return 400, {
                "error": "ERROR_METHOD_NOT_FOUND",
                "error_description": "Method not found!",
            }
        return 200, {"result": result, "time": TIME}

    def of(self, method: str) -> list[dict]:
        return [c.params for c in self.calls if c.method == method]


class _Bitrix24Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ThreadingHTTPServer

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        api: Bitrix24 = self.server.bitrix24  # type: ignore[attr-defined]
        if parts.path == "/online/" and api.chat_page:
            # The portal's chat page, for the browser test: a frame and a POST into it.
            data = api.chat_page.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return None
        if parts.path != "/oauth/token/":
            return self._answer(404, {"error": "NOT_FOUND"})
        self._answer(*self.server.bitrix24.token(dict(parse_qsl(parts.query))))  # type: ignore[attr-defined]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        method = urlsplit(self.path).path.removeprefix("/rest/")
        self._answer(*self.server.bitrix24.rest(method, json.loads(body or b"{}")))  # type: ignore[attr-defined]

    def log_message(self, format, *args) -> None:
        pass


@pytest.fixture
def bitrix24_api() -> Iterator[Bitrix24]:
    api = Bitrix24()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Bitrix24Handler)
    server.daemon_threads = True
    server.bitrix24 = api  # type: ignore[attr-defined]
    api.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def bitrix24_channel(db, bitrix24_api):
    return ChannelFactory(
        slug="b24-app",
        name="Our Bitrix24",
        kind=ChannelKind.BITRIX24,
        config={"client_id": CLIENT_ID, "oauth_url": bitrix24_api.url},
        secrets={"client_secret": CLIENT_SECRET},
    )


def install_form(api: Bitrix24, **overrides: str) -> dict[str, str]:
    """The install callback's POST: the ONAPPINSTALL event with the OAuth data
    (api-reference/common/events/on-app-install.md and the installation callback page)."""
    form = {
        "event": "ONAPPINSTALL",
        "data[VERSION]": "1",
        "data[ACTIVE]": "Y",
        "data[INSTALLED]": "Y",
        "data[LANGUAGE_ID]": "en",
        "ts": "1696527000",
        "auth[access_token]": "s1morf609228iwyjjpvfv6wsvuja4p8u",
        "auth[expires_in]": "3600",
        "auth[scope]": "im,imopenlines,crm,placement",
        "auth[domain]": "vendor.bitrix24.com",
        "auth[server_endpoint]": "https://oauth.bitrix.info/rest/",
        "auth[status]": "L",
        "auth[client_endpoint]": api.url + "/rest/",
        "auth[member_id]": MEMBER_ID,
        "auth[user_id]": "1",
        "auth[refresh_token]": "4f9k4jpmg13usmybzuqknt2v9fh0q6rl",
        "auth[application_token]": APPLICATION_TOKEN,
    }
    form.update(overrides)
    return form


def placement_form(placement: str, options: dict, **overrides: str) -> dict[str, str]:
    """What Bitrix24 POSTs into the placement's frame (api-reference/widgets/im/…)."""
    form = {
        "DOMAIN": "vendor.bitrix24.com",
        "PROTOCOL": "1",
        "LANG": "en",
        "APP_SID": "99c80eff6378726287350416ee5fef0",
        "AUTH_ID": AGENT_AUTH,
        "AUTH_EXPIRES": "3600",
        "REFRESH_ID": "50e00aa340631fcd00005a4b00000001f0f1071111116580a5b83c2de639ef28c12",
        "member_id": MEMBER_ID,
        "status": "L",
        "PLACEMENT": placement,
        "PLACEMENT_OPTIONS": json.dumps(options),
    }
    form.update(overrides)
    return form
