"""A generic webhook, signed by the Standard Webhooks scheme (see DESIGN.md).

config: {"url": "https://…"}; secret `signing_key`: written `whsec_<base64>`, at least 24
bytes once decoded (the scheme's minimum; 64 at most). `webhook-id` is the notification's
id, the same on every retry, so that a receiver can drop repeats; the timestamp and
signature are made at each attempt. The body carries the event's own `timestamp` (when it
happened, not when it is sent), as the scheme recommends.

Status codes as the scheme suggests: 2xx delivered; 410 Gone pauses the channel until a
person resumes it; 429, 502, 503, 504 and other 5xx are the receiver failing or under load.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

from tracker.channels import http
from tracker.channels.base import Kind, NeedsPerson, Outgoing, Setting, config_str, http_url

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix, not a secret)
SIGNING_KEY = "signing_key"
KEY_MIN_BYTES, KEY_MAX_BYTES = 24, 64


def payload(message: Outgoing) -> bytes:
    return json.dumps(
        {
            "type": message.event,
            "timestamp": message.created_at.isoformat() if message.created_at else None,
            "thread": {"channel": message.channel.slug, "ref": message.thread_ref},
            "request": {
                "number": message.number,
                "status": message.status,
                "status_url": message.status_url,
            },
            "language": message.language,
            "message": message.text,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header value: `v1,<base64 HMAC-SHA256>`."""
    key = _key(secret)
    if key is None:
        raise NeedsPerson("The channel's signing_key is not a whsec_<base64> key.")
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def send(message: Outgoing, *, timeout: float) -> None:
    url = config_str(message.channel, "url")
    body = payload(message)
    msg_id = str(message.id)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "tracker-notifications/1",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(
            secret=message.channel.secret(SIGNING_KEY),
            msg_id=msg_id,
            timestamp=timestamp,
            body=body,
        ),
    }
    response = http.post(url, body=body, headers=headers, timeout=timeout)
    http.raise_for_status(response, what="Webhook")


def check_secret(name: str, value: str) -> str | None:
    key = _key(value)
    if key is None:
        return "A signing key is written whsec_ followed by base64."
    if not KEY_MIN_BYTES <= len(key) <= KEY_MAX_BYTES:
        return (
            f"A signing key is {KEY_MIN_BYTES} to {KEY_MAX_BYTES} random bytes; "
            f"this one is {len(key)}."
        )
    return None


def _key(secret: str) -> bytes | None:
    if not secret.startswith(SECRET_PREFIX):
        return None
    try:
        key = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key or None


KIND = Kind(
    send=send,
    secrets=(SIGNING_KEY,),
    config={"url": Setting("Where the signed POST goes.", required=True, check=http_url)},
    check_secret=check_secret,
)
