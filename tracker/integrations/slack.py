"""The Slack app: a message shortcut that opens a modal to log the customer's wish, and the
`/request <number>` command.

Every request Slack makes is signed with the app's signing secret (Slack's "Verifying
requests from Slack"): `X-Slack-Signature` is `v0=` and the hex HMAC-SHA256, keyed with
the signing secret, of `v0:{X-Slack-Request-Timestamp}:{raw body}`, and a timestamp more
than five minutes from now is a replay. The channel is the one whose signing secret signed
the request: nothing in an unverified body is trusted, not even which workspace it names.

The modal's blocks stay within Block Kit's limits (title 24 characters, 100 blocks, option
text 75, option value 150, section text 3000, private_metadata 3000): `tests/integrations`
checks the modal against them in every language.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from tracker.channels import http
from tracker.channels.base import DeliveryError, config_str
from tracker.channels.slack import BOT_TOKEN, DEFAULT_API_URL, SIGNING_SECRET, escape
from tracker.choices import ChannelKind, Criticality, Kind, Language
from tracker.integrations.common import Closest
from tracker.limits import TITLE_MAX
from tracker.models import Channel

logger = logging.getLogger(__name__)

CALLBACK_ID = "log_feature_request"
# Slack's replay window: a request signed more than five minutes ago is refused.
MAX_AGE = 5 * 60
API_TIMEOUT = 2.5  # Slack wants an answer to the interaction within three seconds.

# Block Kit's limits (docs.slack.dev/reference/views/modal-views, …/block-kit).
TITLE_LIMIT = 24
BLOCKS_LIMIT = 100
OPTION_TEXT_LIMIT = 75
OPTION_VALUE_LIMIT = 150
SECTION_TEXT_LIMIT = 3000
INPUT_LIMIT = 3000
METADATA_LIMIT = 3000


class SlackError(Exception):
    """Slack refused a Web API call or did not answer (never carries the token)."""


def verified_channel(
    *, body: bytes, headers: Mapping[str, str], now: float | None = None
) -> Channel | None:
    """The Slack channel whose signing secret signed this request, or None: unsigned, badly
    signed, signed with no channel's secret, or signed more than five minutes ago."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not timestamp.isdigit() or not signature.startswith("v0="):
        return None
    if abs((now if now is not None else time.time()) - int(timestamp)) > MAX_AGE:
        return None
    base = b"v0:" + timestamp.encode() + b":" + body
    for channel in Channel.objects.filter(kind=ChannelKind.SLACK, is_active=True):
        secret = channel.secret(SIGNING_SECRET)
        if not secret:
            continue
        expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature):
            return channel
    return None


def call(channel: Channel, method: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Call Slack's Web API `method` (JSON body, bot token) at the channel's api_url."""
    api_url = config_str(channel, "api_url", DEFAULT_API_URL).rstrip("/")
    try:
        response = http.post(
            f"{api_url}/{method}",
            body=json.dumps(payload, ensure_ascii=False).encode(),
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {channel.secret(BOT_TOKEN)}",
            },
            timeout=API_TIMEOUT,
        )
    except DeliveryError as error:
        raise SlackError(f"Slack {method}: {error}") from None
    answer = response.json()
    if not isinstance(answer, dict) or answer.get("ok") is not True:
        code = answer.get("error") if isinstance(answer, dict) else f"HTTP {response.status}"
        raise SlackError(f"Slack {method}: {code}")
    return answer


# --- the modal --------------------------------------------------------------------------


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text}


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, OPTION_TEXT_LIMIT), "value": value[:OPTION_VALUE_LIMIT]}


def _select(
    block_id: str, label: str, choices: list[tuple[str, str]], initial: str | None
) -> dict[str, Any]:
    options = [_option(text, value) for value, text in choices][:100]
    element: dict[str, Any] = {"type": "static_select", "action_id": block_id, "options": options}
    chosen = [o for o in options if o["value"] == initial]
    if chosen:
        element["initial_option"] = chosen[0]
    return {"type": "input", "block_id": block_id, "label": plain(label), "element": element}


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = False,
    optional: bool = True,
    max_length: int = INPUT_LIMIT,
    hint: str = "",
) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": block_id,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def modal(
    *,
    message: str,
    closest: list[Closest],
    language: str,
    metadata: dict[str, str],
    ask_account: bool,
) -> dict[str, Any]:
    """The modal a shortcut opens: the customer's message, the closest requests, and the
    form to attach to one of them or log a new one."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "block_id": "message",
            "text": plain(message or _("(The message has no text.)"), SECTION_TEXT_LIMIT),
        },
    ]
    if closest:
        lines = "\n".join(escape(c.summary()) for c in closest)
        blocks.append(
            {
                "type": "section",
                "block_id": "closest",
                "text": {
                    "type": "mrkdwn",
                    "text": (_("*Closest requests*") + "\n" + lines)[:SECTION_TEXT_LIMIT],
                },
            }
        )
        attach = _select(
            "attach",
            _("Attach to an existing request"),
            [(str(c.number), f"#{c.number} {c.title}") for c in closest],
            None,
        )
        attach["optional"] = True
        attach["hint"] = plain(_("Or leave it empty and log a new request below."))
        blocks.append(attach)
    else:
        blocks.append(
            {
                "type": "section",
                "block_id": "closest",
                "text": plain(_("No existing request looks like this message.")),
            }
        )
    blocks += [
        _text_input("title", _("Title of a new request"), max_length=TITLE_MAX),
        _select("kind", _("Kind"), [(k.value, str(k.label)) for k in Kind], Kind.SUGGESTION),
        _select(
            "criticality",
            _("How critical for this customer"),
            [(c.value, str(c.label)) for c in Criticality],
            Criticality.NORMAL,
        ),
        _text_input("quote", _("The customer's words"), initial=message, multiline=True),
        _select(
            "language",
            _("The customer's language"),
            [(lang.value, str(lang.label)) for lang in Language],
            language,
        ),
    ]
    if ask_account:
        blocks.append(
            _text_input(
                "account",
                _("Customer account"),
                optional=False,
                max_length=255,
                hint=_("The account's id, e.g. the customer's portal acme.bitrix24.com."),
            )
        )
    blocks += [
        {"type": "divider", "block_id": "defect_divider"},
        {
            "type": "section",
            "block_id": "defect_help",
            "text": plain(
                _(
                    "For a defect: what was done, how it was started, the expected and the "
                    "actual result, and a link to a screenshot or video."
                )
            ),
        },
        _text_input("steps", _("What was done"), multiline=True),
        _text_input("started_how", _("How it was started"), multiline=True),
        _text_input("expected", _("Expected result"), multiline=True),
        _text_input("actual", _("Actual result"), multiline=True),
        _text_input(
            "attachments",
            _("Screenshots or video"),
            multiline=True,
            hint=_("Links, one a line."),
        ),
    ]
    return {
        "type": "modal",
        "callback_id": CALLBACK_ID,
        "title": plain(_("Feature request"), TITLE_LIMIT),
        "submit": plain(_("Log"), TITLE_LIMIT),
        "close": plain(_("Cancel"), TITLE_LIMIT),
        "private_metadata": json.dumps(metadata)[:METADATA_LIMIT],
        "blocks": blocks[:BLOCKS_LIMIT],
    }


def submitted_values(view: Mapping[str, Any]) -> dict[str, str]:
    """The modal's inputs as submitted: each block's text, or its selected option's value."""
    values: dict[str, str] = {}
    state = view.get("state", {}).get("values", {}) if isinstance(view, Mapping) else {}
    for block_id, actions in state.items() if isinstance(state, Mapping) else ():
        if not isinstance(actions, Mapping):
            continue
        for action in actions.values():
            if not isinstance(action, Mapping):
                continue
            option = action.get("selected_option")
            value = option.get("value") if isinstance(option, Mapping) else action.get("value")
            values[str(block_id)] = str(value or "")
    return values


def thread_of(payload: Mapping[str, Any]) -> tuple[str, str]:
    """The conversation id and the thread's ts of a message shortcut: a reply belongs to
    its parent's thread, a message that starts none is its own thread's parent."""
    message = payload.get("message") or {}
    channel = payload.get("channel") or {}
    thread_ts = message.get("thread_ts") or message.get("ts") or ""
    return str(channel.get("id", "")), str(thread_ts)
