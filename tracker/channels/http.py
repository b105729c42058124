"""A small HTTP client for the channels: keep-alive connections per worker, timeouts,
and errors that never carry the URL (a Bitrix24 incoming-webhook URL holds its token).

Transport failures (no connection, no answer in time, a dropped connection) are the
channel's (`ChannelDown`); what a status code means is for each channel to say, with
`raise_for_status` as the common reading."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
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
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    key = (parts.scheme, parts.hostname, parts.port)
    # A kept-alive connection the server has closed fails at once; one retry on a fresh
    # connection covers that without ever retrying a request the server may have read.
    for reused in (True, False):
        conn, was_reused = _connection(key, timeout, fresh=not reused)
        try:
            conn.request(method, path, body=body, headers={**headers, "Host": parts.netloc})
            answer = conn.getresponse()
            data = answer.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
            _drop(key)
            if was_reused and reused:
                continue
            raise ChannelDown(f"The connection was dropped: {type(exc).__name__}.") from None
        except (ConnectionRefusedError, socket.gaierror) as exc:
            _drop(key)
            raise Unreachable(f"Could not connect: {type(exc).__name__}.") from None
        except TimeoutError:
            _drop(key)
            raise ChannelDown(f"No answer within {timeout:g} s.") from None
        except (OSError, http.client.HTTPException) as exc:
            _drop(key)
            raise ChannelDown(f"Could not connect: {type(exc).__name__}.") from None
        if answer.getheader("connection", "").lower() == "close" or answer.will_close:
            _drop(key)
        return Response(
            status=answer.status,
            headers={k.lower(): v for k, v in answer.getheaders()},
            body=data,
        )
    raise ChannelDown("The connection was dropped.")  # pragma: no cover


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


def _connection(
    key: tuple[str, str, int | None], timeout: float, *, fresh: bool
) -> tuple[http.client.HTTPConnection, bool]:
    pool: dict[tuple[str, str, int | None], http.client.HTTPConnection] = _pool()
    conn = None if fresh else pool.get(key)
    if conn is not None:
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn, True
    scheme, host, port = key
    cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
    conn = cls(host, port, timeout=timeout)
    pool[key] = conn
    return conn, False


def _drop(key: tuple[str, str, int | None]) -> None:
    conn = _pool().pop(key, None)
    if conn is not None:
        conn.close()


def _pool() -> dict[tuple[str, str, int | None], http.client.HTTPConnection]:
    if not hasattr(_local, "pool"):
        _local.pool = {}
    pool: dict[tuple[str, str, int | None], http.client.HTTPConnection] = _local.pool
    return pool


def close_all() -> None:
    for key in list(_pool()):
        _drop(key)
