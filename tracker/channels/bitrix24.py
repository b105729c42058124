"""A Bitrix24 portal: `im.message.add` through the portal's incoming webhook.

config: {"url": "https://acme.bitrix24.com/rest/1/"}, the incoming webhook's address
without its token, and "link_previews" (off by default); secrets: `webhook_token`, the
incoming webhook's code. Or, for the Bitrix24 app, "client_id" (and "oauth_url") with the
`client_secret` secret: messages then go through the portal's OAuth credentials that the
app's install stored (tracker.channels.bitrix24_rest). The thread's ref is the
chat's DIALOG_ID (`chat4711` for a chat, a user id for a private dialog). The full URL holds
the token, so it never appears in an error.

What a product manager typed arrives as typed. Bitrix24 has no escape for its BB-code, so
every `[` that could open a tag (`[user=all]`, `[send=/…]`, `[url=…]`) is followed by a
zero-width space, as are the `>>` of a quote line and the `#BR#` line break: the chat
shows the characters, not the markup. URL_PREVIEW follows the channel's `link_previews`.

Errors from the REST reference (_includes/system-errors.md, im.message.add): a token the
portal refuses (`expired_token`, `NO_AUTH_FOUND`, `INVALID_CREDENTIALS`, …) pauses the
channel until a person replaces it; `QUERY_LIMIT_EXCEEDED` (503) and
`OPERATION_TIME_LIMIT` (429) are rate limits; `{"result": false}` is a failure.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from tracker.channels import http
from tracker.channels.base import (
    ChannelDown,
    DeliveryError,
    Kind,
    NeedsPerson,
    Outgoing,
    RateLimited,
    Setting,
    config_bool,
    config_str,
    config_value,
    http_url,
    link_previews,
    plain_secret,
)

METHOD = "im.message.add.json"
WEBHOOK_TOKEN, CLIENT_SECRET = "webhook_token", "client_secret"
RATE_LIMIT_ERRORS = frozenset({"QUERY_LIMIT_EXCEEDED", "OPERATION_TIME_LIMIT"})
AUTH_ERRORS = frozenset(
    {
        "expired_token",
        "invalid_token",
        "NO_AUTH_FOUND",
        "INVALID_CREDENTIALS",
        "insufficient_scope",
        "user_access_error",
        "ACCESS_DENIED",
        "OVERLOAD_LIMIT",
        "PORTAL_DELETED",
        "ERROR_METHOD_NOT_FOUND",
        "INVALID_REQUEST",
    }
)
OUTAGE_ERRORS = frozenset({"INTERNAL_SERVER_ERROR", "ERROR_UNEXPECTED_ANSWER"})

ZWSP = "\u200b"
_TAG = re.compile(r"\[")
_QUOTE = re.compile(r"^>>", re.MULTILINE)
_BR = re.compile(r"#BR#", re.IGNORECASE)
_REF = re.compile(r"^(?:chat)?\d+$")
_WEBHOOK_PATH = re.compile(r"^/rest/\d+/?$")


def escape(text: str) -> str:
    """Text that Bitrix24 shows as written: no BB-code tag, quote or line-break code in it
    can take effect."""
    text = _TAG.sub("[" + ZWSP, text)
    text = _QUOTE.sub(">" + ZWSP + ">", text)
    return _BR.sub(lambda m: m.group(0)[0] + ZWSP + m.group(0)[1:], text)


def method_url(message: Outgoing) -> str:
    base = config_str(message.channel, "url").rstrip("/")
    token = message.channel.secret(WEBHOOK_TOKEN)
    if not token:
        raise NeedsPerson("The channel has no webhook_token.")
    return f"{base}/{token}/{METHOD}"


def send(message: Outgoing, *, timeout: float) -> None:
    previews = config_bool(message.channel, "link_previews", False)
    params = {
        "DIALOG_ID": message.thread_ref,
        "MESSAGE": escape(message.text),
        "SYSTEM": "N",
        "URL_PREVIEW": "Y" if previews else "N",
    }
    if config_value(message.channel, "client_id"):
        # The Bitrix24 app: the portal's own OAuth credentials, from its install.
        from tracker.channels import bitrix24_rest

        result = bitrix24_rest.call(message.channel, "im.message.add", params, timeout=timeout)
        if result is False:
            raise DeliveryError("Bitrix24: the message was not sent (result false).")
        return
    body = json.dumps(params, ensure_ascii=False).encode()
    response = http.post(
        method_url(message),
        body=body,
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        timeout=timeout,
    )
    answer = response.json()
    error = answer.get("error") if isinstance(answer, dict) else None
    if error:
        _raise(str(error), answer, response)
    http.raise_for_status(response, what="Bitrix24")
    result = answer.get("result") if isinstance(answer, dict) else None
    if result is None:
        raise DeliveryError("Bitrix24: the answer has no result.")
    if result is False:
        raise DeliveryError("Bitrix24: the message was not sent (result false).")


def _raise(error: str, answer: dict[str, Any], response: http.Response) -> None:
    if error in RATE_LIMIT_ERRORS:
        raise RateLimited(f"Bitrix24: {error}.", retry_after=http.retry_after(response))
    description = str(answer.get("error_description", ""))[:200]
    text = f"Bitrix24: {error}: {description}".rstrip(": ")
    if error in AUTH_ERRORS:
        raise NeedsPerson(text)
    if error in OUTAGE_ERRORS or response.status >= 500:
        raise ChannelDown(text)
    raise DeliveryError(text)


def check_ref(ref: str) -> str | None:
    if not _REF.match(ref):
        return "A Bitrix24 thread is a dialog id: chat<number> for a chat, or a user id."
    return None


def check_url(value: Any) -> str | None:
    problem = http_url(value)
    if problem:
        return problem
    if not _WEBHOOK_PATH.match(urlsplit(value).path):
        return (
            "Give the incoming webhook's address without its code, "
            "e.g. https://acme.bitrix24.com/rest/1/; the code goes into webhook_token."
        )
    return None


def check_secret(name: str, value: str) -> str | None:
    if name == WEBHOOK_TOKEN and not re.fullmatch(r"[A-Za-z0-9]+", value):
        return "An incoming webhook's code is letters and digits."
    return plain_secret(name, value)


KIND = Kind(
    send=send,
    secrets=(WEBHOOK_TOKEN, CLIENT_SECRET),
    config={
        "url": Setting("The incoming webhook's address, without its code.", check=check_url),
        "link_previews": link_previews(False),
        # The Bitrix24 app (tracker.integrations.bitrix24): instead of an incoming webhook,
        # the portal's OAuth credentials from the app's install.
        "client_id": Setting(
            "The Bitrix24 app's client id (local.…), from the portal's local application "
            "page; its client secret goes into the secrets."
        ),
        "oauth_url": Setting(
            "The OAuth server that renews the app's tokens.",
            default="https://oauth.bitrix.info",
            check=http_url,
        ),
    },
    check_config=lambda config: (
        None
        if config.get("url") or config.get("client_id")
        else (
            "url",
            "A Bitrix24 channel needs the incoming webhook's url, or the app's client_id.",
        )
    ),
    check_ref=check_ref,
    check_secret=check_secret,
)
