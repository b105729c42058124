"""A small HTTP/1.1 client for the channels: one kept-alive connection per host and worker
thread, timeouts, and errors that never carry the URL (a Bitrix24 incoming-webhook URL
holds its token).

Written on the socket rather than on `http.client`, whose request building and response
parsing (headers through the `email` package) cost the notification worker 0.15-0.2 ms of
CPU per message, most of what a delivery costs it; this costs a fifth of that. It speaks
what channels answer with: a status line, headers, and a body by Content-Length, chunked,
or up to the close; interim 1xx answers are skipped; TLS through the `ssl` module with the
system's certificate authorities and host name checking.

Transport failures (no connection, no answer in time, a dropped connection, an answer
that is not HTTP) are the channel's (`ChannelDown`); what a status code means is for each
channel to say, with `raise_for_status` as the common reading."""

from __future__ import annotations

import functools
import json
import re
import socket
import ssl
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from django.utils import timezone

from tracker.channels.base import (
    ChannelDown,
    DeliveryError,
    NeedsPerson,
    RateLimited,
    Unreachable,
)

_local = threading.local()

# Throttle, says Standard Webhooks: the receiver is under load.
THROTTLE_STATUSES = frozenset({429, 502, 503, 504})
# What an answer may hold at most: a status line or a header line, how many headers, and
# a body. Channels answer with a few hundred bytes; more is a receiver gone wrong.
MAX_LINE = 65_536
MAX_HEADERS = 100
MAX_BODY = 16 * 1024 * 1024
# What a request line's target and a header may not contain (CR and LF would let a value
# start a header or a request of its own), as http.client refuses them.
_UNSAFE_TARGET = re.compile(r"[\x00-\x20\x7f]")
_UNSAFE_HEADER = re.compile(r"[\r\n\x00]")


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body or b"null")
        except ValueError:
            return None


class _Dropped(Exception):
    """The connection ended before a whole answer came back."""


class _NotHttp(Exception):
    """What came back is not an HTTP/1.x answer, or more than an answer may be."""


def post(url: str, *, body: bytes, headers: dict[str, str], timeout: float) -> Response:
    """POST `body` to `url`. Raises ChannelDown when no answer came back."""
    return _request("POST", url, body=body, headers=headers, timeout=timeout)


def get(url: str, *, headers: dict[str, str], timeout: float) -> Response:
    """GET `url` (an OAuth server's token endpoint takes its arguments so). Raises
    ChannelDown when no answer came back."""
    return _request("GET", url, body=None, headers=headers, timeout=timeout)


def _request(
    method: str, url: str, *, body: bytes | None, headers: dict[str, str], timeout: float
) -> Response:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise NeedsPerson("The channel's URL is not an http(s) URL.")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    if _UNSAFE_TARGET.search(target):
        raise NeedsPerson("The channel's URL contains spaces or control characters.")
    request = _encode(method, target, parts.netloc, headers, body)
    key = (parts.scheme, parts.hostname, parts.port)
    # A kept-alive connection the server has closed fails at once; one retry on a fresh
    # connection covers that without ever retrying a request the server may have read.
    for reused in (True, False):
        was_reused = False
        try:
            conn, was_reused = _connection(key, timeout, fresh=not reused)
            conn.sock.sendall(request)
            response, keep = _read_response(conn.file, head=method == "HEAD")
        except (_Dropped, BrokenPipeError, ConnectionResetError) as exc:
            _drop(key)
            if was_reused and reused:
                continue
            name = "RemoteDisconnected" if isinstance(exc, _Dropped) else type(exc).__name__
            raise ChannelDown(f"The connection was dropped: {name}.") from None
        except (ConnectionRefusedError, socket.gaierror) as exc:
            _drop(key)
            raise Unreachable(f"Could not connect: {type(exc).__name__}.") from None
        except TimeoutError:
            _drop(key)
            raise ChannelDown(f"No answer within {timeout:g} s.") from None
        except _NotHttp:
            _drop(key)
            raise ChannelDown("The answer was not HTTP.") from None
        except OSError as exc:
            _drop(key)
            raise ChannelDown(f"Could not connect: {type(exc).__name__}.") from None
        if not keep:
            _drop(key)
        return response
    raise ChannelDown("The connection was dropped.")  # pragma: no cover


def _encode(
    method: str, target: str, host: str, headers: dict[str, str], body: bytes | None
) -> bytes:
    # No content coding in answers, as http.client asked: without the header any would do.
    lines = [f"{method} {target} HTTP/1.1", f"Host: {host}", "Accept-Encoding: identity"]
    for name, value in headers.items():
        if _UNSAFE_HEADER.search(name) or _UNSAFE_HEADER.search(value) or ":" in name:
            raise NeedsPerson(f"The {name.split(chr(10))[0][:40]!r} header is not valid.")
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    try:
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    except UnicodeEncodeError:
        raise NeedsPerson("A header holds characters HTTP cannot carry.") from None
    return head + body if body else head


def _read_response(file: BinaryIO, *, head: bool) -> tuple[Response, bool]:
    """The answer, and whether the connection may carry the next request."""
    while True:
        version, status = _status_line(file)
        headers = _headers(file)
        # An interim answer (100 Continue, 103 Early Hints) precedes the real one.
        if not 100 <= status < 200:
            break
    connection = headers.get("connection", "").lower()
    keep = connection != "close" if version == "HTTP/1.1" else connection == "keep-alive"
    if head or status in (204, 304):
        return Response(status=status, headers=headers, body=b""), keep
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _chunked(file)
    elif "content-length" in headers:
        try:
            length = int(headers["content-length"].split(",")[0])
        except ValueError:
            raise _NotHttp from None
        if not 0 <= length <= MAX_BODY:
            raise _NotHttp
        body = file.read(length)
        if len(body) < length:
            raise _Dropped
    else:  # the body runs until the server closes the connection
        body = file.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            raise _NotHttp
        keep = False
    return Response(status=status, headers=headers, body=body), keep


def _status_line(file: BinaryIO) -> tuple[str, int]:
    line = file.readline(MAX_LINE + 1)
    if not line:
        raise _Dropped
    parts = line.decode("latin-1").split(None, 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or len(line) > MAX_LINE:
        raise _NotHttp
    try:
        status = int(parts[1])
    except ValueError:
        raise _NotHttp from None
    if not 100 <= status <= 999:
        raise _NotHttp
    return parts[0], status


def _headers(file: BinaryIO) -> dict[str, str]:
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADERS + 1):
        line = file.readline(MAX_LINE + 1)
        if line in (b"\r\n", b"\n"):
            return headers
        if not line:
            raise _Dropped
        name, colon, value = line.decode("latin-1").partition(":")
        if not colon or len(line) > MAX_LINE:
            raise _NotHttp
        name, value = name.strip().lower(), value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    raise _NotHttp


def _chunked(file: BinaryIO) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        line = file.readline(MAX_LINE + 1)
        if not line:
            raise _Dropped
        try:
            length = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise _NotHttp from None
        if length == 0:
            _headers(file)  # the trailer, up to its blank line
            return b"".join(chunks)
        size += length
        if size > MAX_BODY:
            raise _NotHttp
        chunk = file.read(length + 2)  # and its CRLF
        if len(chunk) < length + 2:
            raise _Dropped
        chunks.append(chunk[:length])


def raise_for_status(response: Response, *, what: str) -> None:
    """The common reading of a status code: 2xx is success; 429 a rate limit; 401, 403
    and 410 need a person (credentials refused, or the receiver wants no more); 404, 408
    and 5xx are the channel failing; any other status is this message refused."""
    status = response.status
    if 200 <= status < 300:
        return
    wait = retry_after(response)
    if status == 429:
        raise RateLimited(f"{what}: rate limited (HTTP 429).", retry_after=wait)
    if status == 410:
        raise NeedsPerson(f"{what}: HTTP 410 Gone: the receiver wants no more messages.")
    if status in (401, 403):
        raise NeedsPerson(f"{what}: HTTP {status}: the receiver refused our credentials.")
    if status in (404, 408) or status >= 500:
        raise ChannelDown(f"{what}: HTTP {status}.", retry_after=wait)
    raise DeliveryError(f"{what}: HTTP {status}.", retry_after=wait)


def retry_after(response: Response) -> float | None:
    """Seconds from a Retry-After header (a number, or an HTTP date)."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


class _Connection:
    """One connection: its socket, and a buffered reader of what it answers."""

    def __init__(self, key: tuple[str, str, int | None], timeout: float) -> None:
        scheme, host, port = key
        sock = socket.create_connection((host, port or (443 if scheme == "https" else 80)), timeout)
        try:
            # The request goes out in one write: no reason to hold a small one back.
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if scheme == "https":
                sock = tls_context().wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock
        self.file: BinaryIO = sock.makefile("rb")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The system's certificate authorities, host names checked: made once a process."""
    return ssl.create_default_context()


def _connection(
    key: tuple[str, str, int | None], timeout: float, *, fresh: bool
) -> tuple[_Connection, bool]:
    pool = _pool()
    conn = None if fresh else pool.get(key)
    if conn is not None:
        conn.sock.settimeout(timeout)
        return conn, True
    _drop(key)
    conn = _Connection(key, timeout)
    pool[key] = conn
    return conn, False


def _drop(key: tuple[str, str, int | None]) -> None:
    conn = _pool().pop(key, None)
    if conn is not None:
        conn.close()


def _pool() -> dict[tuple[str, str, int | None], _Connection]:
    if not hasattr(_local, "pool"):
        _local.pool = {}
    pool: dict[tuple[str, str, int | None], _Connection] = _local.pool
    return pool


def close_all() -> None:
    for key in list(_pool()):
        _drop(key)
