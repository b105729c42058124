"""A Slack workspace: `chat.postMessage` into the thread, with the bot token.

config: {"api_url": "https://slack.com/api"} (optional; tests point it at 127.0.0.1) and
"channel", the conversation id used when the ref names none; secret: the bot token
(`xoxb-…`). The thread's ref is `<channel id>:<thread_ts>`, or just the thread_ts.
"""

from __future__ import annotations

import json

from tracker.channels import http
from tracker.channels.base import DeliveryError, Outgoing, RateLimited, config_str

DEFAULT_API_URL = "https://slack.com/api"


def conversation(message: Outgoing) -> tuple[str, str]:
    """The channel id and thread_ts a thread's ref stands for."""
    channel_id, sep, thread_ts = message.thread_ref.rpartition(":")
    if not sep:
        channel_id = config_str(message.channel, "channel")
    return channel_id, thread_ts


def send(message: Outgoing, *, timeout: float) -> None:
    api_url = config_str(message.channel, "api_url", DEFAULT_API_URL).rstrip("/")
    channel_id, thread_ts = conversation(message)
    body = json.dumps(
        {"channel": channel_id, "thread_ts": thread_ts, "text": message.text},
        ensure_ascii=False,
    ).encode()
    response = http.post(
        f"{api_url}/chat.postMessage",
        body=body,
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {message.channel.secret}",
        },
        timeout=timeout,
    )
    http.raise_for_status(response, what="Slack")
    answer = response.json()
    if not isinstance(answer, dict) or answer.get("ok") is not True:
        error = answer.get("error", "no answer") if isinstance(answer, dict) else "no answer"
        if error == "ratelimited":
            raise RateLimited("Slack: ratelimited.", retry_after=http.retry_after(response))
        raise DeliveryError(f"Slack: {error}.")
