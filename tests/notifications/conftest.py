"""Real servers on 127.0.0.1 for the channels to deliver to: an HTTP server that records
every request and answers as a test tells it, a webhook receiver that verifies signatures
with the `standardwebhooks` package, and an SMTP server (aiosmtpd)."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email import policy as email_policy
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from tests.factories import ChannelFactory, ThreadFactory
from tracker.choices import ChannelKind
from tracker.notifications.delivery import Policy

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"a signing key of thirty-two bytes").decode()


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False  # close the connection without answering


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, respond: Callable[[Recorded], Reply]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.respond = respond
        self.requests: list[Recorded] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        recorded = Recorded(
            method="POST",
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        reply = self.server.respond(recorded)
        if reply.delay:
            time.sleep(reply.delay)
        if reply.drop:
            self.close_connection = True
            return
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format, *args) -> None:
        pass


def serve(respond: Callable[[Recorded], Reply]) -> Iterator[Server]:
    server = Server(respond)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


class HttpApi:
    """A local stand-in for an outside API: records requests, answers from a script."""

    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.default = Reply()

    def __call__(self, recorded: Recorded) -> Reply:
        return self.replies.pop(0) if self.replies else self.default


@pytest.fixture
def http_api() -> Iterator[tuple[Server, HttpApi]]:
    api = HttpApi()
    yield from ((server, api) for server in serve(api))


class WebhookReceiver:
    """Accepts only correctly signed webhooks; `fault` decides how a request is answered."""

    def __init__(self, secret: str = WEBHOOK_SECRET) -> None:
        self.webhook = Webhook(secret)
        self.received: list[tuple[str, dict]] = []
        self.rejected: list[str] = []
        self.attempts: list[str] = []  # the webhook-id of every correctly signed request
        self.fault: Callable[[str], Reply | None] = lambda msg_id: None
        self.lock = threading.Lock()

    def __call__(self, recorded: Recorded) -> Reply:
        try:
            payload = self.webhook.verify(recorded.body, recorded.headers)
        except WebhookVerificationError as error:
            with self.lock:
                self.rejected.append(str(error))
            return Reply(status=400)
        msg_id = recorded.headers["webhook-id"]
        with self.lock:
            self.attempts.append(msg_id)
        reply = self.fault(msg_id) or Reply(status=204, body=b"")
        if reply.status < 300 and not reply.drop:
            with self.lock:
                self.received.append((msg_id, payload))
        return reply

    def ids(self) -> list[int]:
        with self.lock:
            return [int(msg_id) for msg_id, _ in self.received]


@pytest.fixture
def webhook_receiver() -> Iterator[tuple[Server, WebhookReceiver]]:
    receiver = WebhookReceiver()
    yield from ((server, receiver) for server in serve(receiver))


@pytest.fixture
def webhook_channel(db, webhook_receiver):
    server, _ = webhook_receiver
    return ChannelFactory(
        slug="hooks-main",
        kind=ChannelKind.WEBHOOK,
        config={"url": server.url + "/hooks/tracker"},
        secrets={"signing_key": WEBHOOK_SECRET},
    )


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], Message]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (
                envelope.mail_from,
                list(envelope.rcpt_tos),
                message_from_bytes(envelope.content, policy=email_policy.default),
            )
        )
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Controller, Mailbox]]:
    mailbox = Mailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield controller, mailbox
    finally:
        controller.stop()


@pytest.fixture
def policy() -> Policy:
    """Fast retries, short timeouts: the same behaviour at test speed."""
    return Policy(
        batch_size=50,
        lease_seconds=30,
        max_attempts=3,
        backoff_base=0.01,
        backoff_cap=0.05,
        timeout=2,
    )


@pytest.fixture
def make_thread():
    return ThreadFactory
