"""The Bitrix24 app: a local application a portal administrator installs, which puts "Log
as a feature request" on Open Lines chats (the message's context menu, IM_CONTEXT_MENU,
and the chat's sidebar, IM_SIDEBAR, both limited to the LINES context).

Every call from Bitrix24 is checked before anything is written:
- the install: the refresh token it carries is renewed at the OAuth server (the channel's
  `oauth_url`) with our client id and client secret; only a real install of our app can
  be renewed so, and the server's answer names the portal (member_id, client_endpoint);
- events: their `auth[application_token]` must be the one the install carried;
- the placement page and its form: `member_id` must be the installed portal's, and the
  portal must accept the user's AUTH_ID for our app (`app.info` at the stored REST
  address answers with our client id as its CODE). DOMAIN, as posted, is never called.

Methods and answers as bitrix24/b24restdocs describes them: placement.bind, event.bind,
app.info, im.dialog.messages.get, imopenlines.dialog.get, crm.company.get, im.message.add.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from tracker.channels import bitrix24_rest
from tracker.channels.base import DeliveryError
from tracker.channels.bitrix24 import escape
from tracker.models import Bitrix24Portal, Channel
from tracker.services.portals import PortalInstall, portal_install

logger = logging.getLogger(__name__)

TIMEOUT = 5.0
# Where the app appears: a message's context menu and the chat's sidebar, in Open Lines
# chats only (OPTIONS.context), for every operator (role USER), not for extranet users.
PLACEMENTS = ("IM_CONTEXT_MENU", "IM_SIDEBAR")
CONTEXT = "LINES"


class Refused(Exception):
    """A call that claims to come from Bitrix24 and cannot be checked."""


def form_value(form: Mapping[str, Any], key: str) -> str:
    value = form.get(key, "")
    return value if isinstance(value, str) else ""


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


# --- install and events -----------------------------------------------------------------


def install(channel: Channel, form: Mapping[str, Any]) -> Bitrix24Portal:
    """The install callback: renew the posted refresh token at the OAuth server (which
    proves the install), store the portal's credentials, bind the placements and the
    uninstall event. Raises Refused when the OAuth server does not vouch for it."""
    member_id = form_value(form, "auth[member_id]")
    refresh_token = form_value(form, "auth[refresh_token]")
    application_token = form_value(form, "auth[application_token]")
    if not (member_id and refresh_token and application_token):
        raise Refused("The install carries no member_id, refresh_token or application_token.")
    try:
        answer = bitrix24_rest.oauth_refresh(channel, refresh_token, timeout=TIMEOUT)
    except DeliveryError as error:
        raise Refused(f"The OAuth server did not renew the install's token: {error}") from None
    if answer.get("member_id") != member_id or not answer.get("client_endpoint"):
        raise Refused("The OAuth server names another portal.")
    portal = portal_install(
        channel=channel,
        data=PortalInstall(
            member_id=member_id,
            domain=form_value(form, "auth[domain]"),
            client_endpoint=str(answer["client_endpoint"]),
            server_endpoint=str(answer.get("server_endpoint") or ""),
            access_token=str(answer["access_token"]),
            refresh_token=str(answer["refresh_token"]),
            expires_in=int(answer.get("expires_in") or 3600),
            application_token=application_token,
        ),
    )
    handler = absolute(reverse("integrations:bitrix24-placement", args=[channel.slug]))
    for placement in PLACEMENTS:
        options: dict[str, str] = {"context": CONTEXT, "role": "USER", "extranet": "N"}
        if placement == "IM_SIDEBAR":
            options |= {"iconName": "fa-lightbulb-o", "color": "AQUA"}
        bitrix24_rest.call_portal(
            portal,
            "placement.bind",
            {
                "PLACEMENT": placement,
                "HANDLER": handler,
                "TITLE": "Log as a feature request",
                "LANG_ALL": {
                    "en": {"TITLE": "Log as a feature request"},
                    "ru": {"TITLE": "Записать пожелание"},
                    "ja": {"TITLE": "要望として記録"},
                },
                "OPTIONS": options,
            },
            timeout=TIMEOUT,
        )
    bitrix24_rest.call_portal(
        portal,
        "event.bind",
        {
            "event": "ONAPPUNINSTALL",
            "handler": absolute(reverse("integrations:bitrix24-events", args=[channel.slug])),
        },
        timeout=TIMEOUT,
    )
    return portal


def event_portal(channel: Channel, form: Mapping[str, Any]) -> Bitrix24Portal:
    """The installed portal an event comes from, once its application token checks out."""
    portal = Bitrix24Portal.objects.filter(channel=channel).first()
    token = form_value(form, "auth[application_token]")
    if portal is None or not token:
        raise Refused("No installed portal, or no application token.")
    if form_value(form, "auth[member_id]") != portal.member_id or not hmac.compare_digest(
        token, portal.application_token
    ):
        raise Refused("The application token is not the installed portal's.")
    return portal


# --- the placement ----------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """A checked call into the placement page: who (their AUTH_ID), where (the chat's
    DIALOG_ID) and, from the message's context menu, which message."""

    portal: Bitrix24Portal
    auth: str
    dialog_id: str
    message_id: int | None
    lang: str


def placement_of(channel: Channel, form: Mapping[str, Any]) -> Placement:
    """Check a POST from Bitrix24's frame (or from our form inside it) against the portal
    and say what it is about. Raises Refused."""
    portal = Bitrix24Portal.objects.select_related("channel").filter(channel=channel).first()
    auth = form_value(form, "AUTH_ID")
    if portal is None or not auth or form_value(form, "member_id") != portal.member_id:
        raise Refused("Not the installed portal, or no AUTH_ID.")
    try:
        info = bitrix24_rest.call_portal(portal, "app.info", {}, timeout=TIMEOUT, auth=auth)
    except DeliveryError as error:
        raise Refused(f"The portal refused the AUTH_ID: {error}") from None
    client_id = (channel.config or {}).get("client_id")
    if not isinstance(info, dict) or not client_id or info.get("CODE") != client_id:
        raise Refused("The AUTH_ID is not for our app.")
    options: dict[str, Any] = {}
    raw = form_value(form, "PLACEMENT_OPTIONS")
    if raw:
        try:
            loaded = json.loads(raw)
            options = loaded if isinstance(loaded, dict) else {}
        except ValueError:
            options = {}
    dialog_id = str(options.get("dialogId") or form_value(form, "dialog_id"))
    message_id = options.get("messageId") or form_value(form, "message_id")
    return Placement(
        portal=portal,
        auth=auth,
        dialog_id=dialog_id,
        message_id=int(message_id) if str(message_id).isdigit() else None,
        lang=form_value(form, "LANG")[:2],
    )


def customer_message(placement: Placement) -> str:
    """The words of the message the agent chose; from the sidebar, the customer's latest
    message in the chat (its author is the open line's connector user)."""
    params: dict[str, Any] = {"DIALOG_ID": placement.dialog_id, "LIMIT": 20}
    if placement.message_id is not None:
        params |= {"LAST_ID": placement.message_id + 1, "LIMIT": 1}
    try:
        result = bitrix24_rest.call_portal(
            placement.portal, "im.dialog.messages.get", params, timeout=TIMEOUT, auth=placement.auth
        )
    except DeliveryError as error:
        logger.warning("Bitrix24 im.dialog.messages.get: %s", error)
        return ""
    messages = result.get("messages", []) if isinstance(result, dict) else []
    if placement.message_id is not None:
        chosen = [m for m in messages if m.get("id") == placement.message_id]
        return str(chosen[0].get("text") or "") if chosen else ""
    customers = {u.get("id") for u in result.get("users", []) if u.get("connector")}
    for message in messages:  # newest first
        if message.get("author_id") in customers and message.get("text"):
            return str(message["text"])
    return ""


@dataclass(frozen=True)
class Company:
    external_id: str
    name: str


def crm_company(placement: Placement) -> Company | None:
    """The customer's company as the portal's CRM knows it, when the open line's chat is
    bound to one (imopenlines.dialog.get's entity_data_1 is `Y|COMPANY|<id>|…`)."""
    try:
        dialog = bitrix24_rest.call_portal(
            placement.portal,
            "imopenlines.dialog.get",
            {"DIALOG_ID": placement.dialog_id},
            timeout=TIMEOUT,
            auth=placement.auth,
        )
        parts = str((dialog or {}).get("entity_data_1") or "").split("|")
        if len(parts) < 3 or parts[0] != "Y" or parts[1] != "COMPANY" or not parts[2].isdigit():
            return None
        company = bitrix24_rest.call_portal(
            placement.portal,
            "crm.company.get",
            {"id": int(parts[2])},
            timeout=TIMEOUT,
            auth=placement.auth,
        )
    except DeliveryError as error:
        logger.warning("Bitrix24 CRM binding: %s", error)
        return None
    return Company(
        external_id=f"{placement.portal.domain}/crm/company/{parts[2]}",
        name=str((company or {}).get("TITLE") or ""),
    )


def confirm_to_agent(placement: Placement, text: str) -> None:
    """A system message in the chat that the open line does not pass on to the customer
    (SKIP_CONNECTOR): the agents see it, the customer does not."""
    try:
        bitrix24_rest.call_portal(
            placement.portal,
            "im.message.add",
            {
                "DIALOG_ID": placement.dialog_id,
                "MESSAGE": escape(text),
                "SYSTEM": "Y",
                "SKIP_CONNECTOR": "Y",
                "URL_PREVIEW": "N",
            },
            timeout=TIMEOUT,
            auth=placement.auth,
        )
    except DeliveryError as error:
        logger.warning("Bitrix24 im.message.add (confirmation): %s", error)
