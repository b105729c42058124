"""The channels' HTTP/1.1 client against servers on 127.0.0.1 that answer with the bytes a
test gives them: answers by length, chunked, up to the close, after an interim 100; one
kept-alive connection for many requests, and a fresh one when the server closed it; what
is not HTTP; TLS with host name and certificate checks; headers that would split."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.channels import ChannelDown, NeedsPerson, http


class Scripted:
    """Answers each request with the next of `answers` (bytes); None closes the connection
    without answering. `close_after` closes each connection after that many answers."""

    def __init__(self, answers: list[bytes | None], *, close_after: int = 0) -> None:
        self.answers = answers
        self.close_after = close_after
        self.requests: list[bytes] = []
        self.connections = 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.tls: ssl.SSLContext | None = None
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://localhost:{self.listener.getsockname()[1]}/hooks"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            if self.tls:
                conn = self.tls.wrap_socket(conn, server_side=True)
            file = conn.makefile("rb")
            served = 0
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = file.readline()
                    if not line:
                        return
                    head += line
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                self.requests.append(head + file.read(length))
                answer = self.answers.pop(0)
                if answer is None:
                    return
                conn.sendall(answer)
                served += 1
                if served == self.close_after:
                    return
        except (OSError, ssl.SSLError):
            return
        finally:
            conn.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def scripted() -> Iterator[type[Scripted]]:
    made: list[Scripted] = []

    def make(*args, **kwargs) -> Scripted:
        server = Scripted(*args, **kwargs)
        made.append(server)
        return server

    http.close_all()
    yield make  # type: ignore[misc]
    http.close_all()
    for server in made:
        server.close()


def post(url: str, body: bytes = b'{"a": 1}', **headers: str) -> http.Response:
    return http.post(url, body=body, headers=headers, timeout=2)


NO_CONTENT = b"HTTP/1.1 204 No Content\r\n\r\n"


def test_it_sends_one_request_with_its_length_and_reads_the_answer_by_length(scripted):
    server = scripted([b'HTTP/1.1 200 OK\r\nContent-Length: 11\r\nX-A: 1\r\n\r\n{"ok": true}'])

    response = post(server.url, **{"Content-Type": "application/json"})

    assert (response.status, response.body) == (200, b'{"ok": true')
    assert response.headers["x-a"] == "1"
    [request] = server.requests
    head, body = request.split(b"\r\n\r\n")
    assert head.startswith(b"POST /hooks HTTP/1.1\r\n")
    assert b"\r\nContent-Length: 8" in head
    assert b"\r\nContent-Type: application/json" in head
    assert b"\r\nHost: localhost:" in head
    assert body == b'{"a": 1}'


def test_it_reads_a_chunked_answer(scripted):
    server = scripted(
        [
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: t\r\n\r\n",
            NO_CONTENT,
        ]
    )

    first, second = post(server.url), post(server.url)

    assert (first.status, first.body) == (200, b"hello, world")
    assert second.status == 204
    assert server.connections == 1  # the chunked answer was read to its end


def test_it_reads_an_answer_that_runs_to_the_close(scripted):
    server = scripted([b"HTTP/1.0 200 OK\r\n\r\nall of it", NO_CONTENT], close_after=1)

    first, second = post(server.url), post(server.url)

    assert (first.status, first.body) == (200, b"all of it")
    assert second.status == 204
    assert server.connections == 2


def test_an_interim_100_continue_is_passed_over(scripted):
    server = scripted(
        [b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"]
    )

    assert post(server.url).status == 201


def test_many_requests_share_one_kept_alive_connection(scripted):
    server = scripted([NO_CONTENT] * 20)

    statuses = [post(server.url).status for _ in range(20)]

    assert statuses == [204] * 20
    assert server.connections == 1


def test_a_kept_alive_connection_the_server_closed_is_replaced_once(scripted):
    # The server closes each connection after its answer without saying so.
    server = scripted([NO_CONTENT] * 3, close_after=1)

    statuses = [post(server.url).status for _ in range(3)]

    assert statuses == [204] * 3
    assert server.connections == 3
    assert len(server.requests) == 3  # none sent twice


def test_a_server_closing_a_fresh_connection_without_answering_is_the_channel_down(scripted):
    server = scripted([None])

    with pytest.raises(ChannelDown, match="The connection was dropped"):
        post(server.url)

    assert len(server.requests) == 1  # not sent again


def test_an_answer_that_is_not_http_is_the_channel_down(scripted):
    server = scripted([b"SSH-2.0-OpenSSH_9.2\r\n"])

    with pytest.raises(ChannelDown, match="The answer was not HTTP"):
        post(server.url)


def test_a_header_that_would_start_another_is_refused_before_anything_is_sent(scripted):
    server = scripted([NO_CONTENT])

    with pytest.raises(NeedsPerson):
        post(server.url, Authorization="Bearer x\r\nX-Injected: 1")

    assert server.connections == 0


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    if not shutil.which("openssl"):
        pytest.skip("openssl makes the test's certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [  # noqa: S607
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return key, cert


def tls_server(scripted, key: Path, cert: Path, answers: list[bytes | None]) -> Scripted:
    server = scripted(answers)
    server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.tls.load_cert_chain(cert, key)
    return server


def test_https_checks_the_certificate_and_speaks_through_tls(scripted, certificate, monkeypatch):
    key, cert = certificate
    server = tls_server(scripted, key, cert, [NO_CONTENT, NO_CONTENT])
    trusting = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(http, "tls_context", lambda: trusting)

    statuses = [post(server.url).status for _ in range(2)]

    assert statuses == [204, 204]
    assert server.connections == 1
    assert server.requests[0].startswith(b"POST /hooks HTTP/1.1\r\n")


def test_https_refuses_a_certificate_no_authority_signed(scripted, certificate):
    key, cert = certificate
    server = tls_server(scripted, key, cert, [NO_CONTENT])

    with pytest.raises(ChannelDown, match="Could not connect: SSLCertVerificationError"):
        post(server.url)

    assert server.requests == []
