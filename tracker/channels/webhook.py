"""A generic webhook, signed by the Standard Webhooks scheme (see DESIGN.md).

config: {"url": "https://…"}; secret: the signing key, written `whsec_<base64>`.
`webhook-id` is the notification's id, the same on every retry, so that a receiver can
drop repeats; the timestamp and signature are made at each attempt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time

from tracker.channels import http
from tracker.channels.base import DeliveryError, Outgoing, config_str

SECRET_PREFIX = "whsec_"  # noqa: S105 (the prefix, not a secret)


def payload(message: Outgoing) -> bytes:
    return json.dumps(
        {
            "type": message.event,
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
            secret=message.channel.secret, msg_id=msg_id, timestamp=timestamp, body=body
        ),
    }
    response = http.post(url, body=body, headers=headers, timeout=timeout)
    http.raise_for_status(response, what="Webhook")


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise DeliveryError("The channel's signing secret is not whsec_<base64>.") from None
    if not key:
        raise DeliveryError("The channel has no signing secret.")
    return key
