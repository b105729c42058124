"""A Bitrix24 portal: `im.message.add` through the portal's incoming webhook.

config: {"url": "https://acme.bitrix24.com/rest/1/"}, the incoming webhook's address
without its token; secret: the token. The thread's ref is the chat's DIALOG_ID
(e.g. `chat4711`). The full URL holds the token, so it never appears in an error.
"""

from __future__ import annotations

import json

from tracker.channels import http
from tracker.channels.base import DeliveryError, Outgoing, RateLimited, config_str

METHOD = "im.message.add.json"
RATE_LIMIT_ERRORS = frozenset({"QUERY_LIMIT_EXCEEDED"})


def method_url(message: Outgoing) -> str:
    base = config_str(message.channel, "url").rstrip("/")
    token = message.channel.secret.strip("/")
    if not token:
        raise DeliveryError("The channel has no incoming-webhook token.")
    return f"{base}/{token}/{METHOD}"


def send(message: Outgoing, *, timeout: float) -> None:
    body = json.dumps(
        {"DIALOG_ID": message.thread_ref, "MESSAGE": message.text}, ensure_ascii=False
    ).encode()
    response = http.post(
        method_url(message),
        body=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        timeout=timeout,
    )
    answer = response.json()
    error = answer.get("error") if isinstance(answer, dict) else None
    if error in RATE_LIMIT_ERRORS:
        raise RateLimited(f"Bitrix24: {error}.", retry_after=http.retry_after(response))
    if error:
        description = str(answer.get("error_description", ""))[:200]
        raise DeliveryError(f"Bitrix24: {error}: {description}".rstrip(": "))
    http.raise_for_status(response, what="Bitrix24")
    if not isinstance(answer, dict) or "result" not in answer:
        raise DeliveryError("Bitrix24: the answer has no result.")
