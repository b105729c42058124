"""A Slack workspace: `chat.postMessage` into the thread, with the bot token.

config: {"api_url": "https://slack.com/api"} (optional; tests point it at 127.0.0.1),
"channel", the conversation id used when the ref names none, "link_previews" (off by
default), and "account", the customer account the Slack app logs this workspace's threads
for; secrets: `bot_token` (`xoxb-…`) and `signing_secret` (for the Slack app's
requests to us). The thread's ref is `<channel id>:<thread_ts>`, or just the thread_ts.

What a product manager typed arrives as typed: `&`, `<` and `>` are Slack's control
characters (`<!channel>`, `<https://…|disguised link>`) and are sent as the entities
Slack's formatting reference asks for, and mrkdwn is off, so `*` and `_` stay characters.

Errors from chat.postMessage's reference: `ratelimited` (with HTTP 429) and `rate_limited`
are rate limits (a `Retry-After` of 0 still waits a second: one message per second per
channel is the documented pace); an authentication error pauses the channel until a
person acts; Slack's own failures are an outage; the rest belong to the message.
"""

from __future__ import annotations

import json
import re

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
    http_url,
    link_previews,
    plain_secret,
)

DEFAULT_API_URL = "https://slack.com/api"
BOT_TOKEN, SIGNING_SECRET = "bot_token", "signing_secret"

RATE_LIMIT_ERRORS = frozenset({"ratelimited", "rate_limited"})
AUTH_ERRORS = frozenset(
    {
        "not_authed",
        "invalid_auth",
        "account_inactive",
        "token_revoked",
        "token_expired",
        "no_permission",
        "missing_scope",
        "org_login_required",
        "ekm_access_denied",
        "not_allowed_token_type",
    }
)
OUTAGE_ERRORS = frozenset(
    {"fatal_error", "internal_error", "service_unavailable", "request_timeout", "team_added_to_org"}
)

_REF = re.compile(r"^(?:[A-Z0-9]+:)?\d+\.\d+$")


def escape(text: str) -> str:
    """Text that Slack shows as written: its three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def conversation(message: Outgoing) -> tuple[str, str]:
    """The channel id and thread_ts a thread's ref stands for."""
    channel_id, sep, thread_ts = message.thread_ref.rpartition(":")
    if not sep:
        channel_id = config_str(message.channel, "channel")
    return channel_id, thread_ts


def send(message: Outgoing, *, timeout: float) -> None:
    api_url = config_str(message.channel, "api_url", DEFAULT_API_URL).rstrip("/")
    channel_id, thread_ts = conversation(message)
    previews = config_bool(message.channel, "link_previews", False)
    body = json.dumps(
        {
            "channel": channel_id,
            "thread_ts": thread_ts,
            "text": escape(message.text),
            "mrkdwn": False,
            "unfurl_links": previews,
            "unfurl_media": previews,
        },
        ensure_ascii=False,
    ).encode()
    response = http.post(
        f"{api_url}/chat.postMessage",
        body=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {message.channel.secret(BOT_TOKEN)}",
        },
        timeout=timeout,
    )
    answer = response.json()
    error = answer.get("error") if isinstance(answer, dict) else None
    if error in RATE_LIMIT_ERRORS or response.status == 429:
        wait = http.retry_after(response)
        raise RateLimited(f"Slack: {error or 'rate limited (HTTP 429)'}.", retry_after=wait)
    if not error:
        http.raise_for_status(response, what="Slack")
        if isinstance(answer, dict) and answer.get("ok") is True:
            return
    error = str(error or "no answer")
    if error in AUTH_ERRORS:
        raise NeedsPerson(f"Slack: {error}.")
    if error in OUTAGE_ERRORS:
        raise ChannelDown(f"Slack: {error}.")
    raise DeliveryError(f"Slack: {error}.")


def check_ref(ref: str) -> str | None:
    if not _REF.match(ref):
        return (
            "A Slack thread is written <channel id>:<thread_ts> or <thread_ts>, "
            "e.g. C024BE91L:1712345678.000200."
        )
    return None


def check_secret(name: str, value: str) -> str | None:
    if name == BOT_TOKEN and not value.startswith("xox"):
        return "A Slack token starts with xoxb- (a bot token)."
    return plain_secret(name, value)


def _conversation_id(value: object) -> str | None:
    if not isinstance(value, str) or not re.fullmatch(r"[A-Z0-9]+", value):
        return "A Slack conversation id, such as C024BE91L."
    return None


KIND = Kind(
    send=send,
    secrets=(BOT_TOKEN, SIGNING_SECRET),
    config={
        "api_url": Setting("Slack's Web API address.", default=DEFAULT_API_URL, check=http_url),
        "channel": Setting(
            "The conversation id for threads whose ref names none.", check=_conversation_id
        ),
        "link_previews": link_previews(False),
        # The Slack app (tracker.integrations.slack) logs every thread of this workspace
        # for this customer account; unset, the agent names the account in the modal.
        "account": Setting(
            "The external id of the customer account whose threads this workspace holds "
            "(unset: the agent names it when logging)."
        ),
    },
    check_ref=check_ref,
    check_secret=check_secret,
)
