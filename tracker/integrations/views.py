"""The chat apps' endpoints. Slack's are checked by their signature, Bitrix24's by the
portal's application token or placement auth; neither uses a session or a CSRF token, and
each refuses what it cannot check with 401 before anything is read or written."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from tracker import selectors, services
from tracker.channels.base import DeliveryError, config_value
from tracker.channels.slack import escape
from tracker.choices import ChannelKind, Language, Status
from tracker.errors import Busy, IncompleteReport, TrackerError
from tracker.integrations import bitrix24, slack
from tracker.integrations.common import closest_requests, customers, wish_log
from tracker.integrations.forms import WishForm
from tracker.integrations.selectors import thread_language_or
from tracker.models import Channel
from tracker.services import portals as services_portals

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"^#?(\d{1,18})$")


def _unauthorized() -> JsonResponse:
    return JsonResponse(
        {"errors": [{"field": None, "code": "not_authenticated", "message": _("Not signed.")}]},
        status=401,
    )


# --- Slack ------------------------------------------------------------------------------


def _slack_signed(
    view: Callable[[HttpRequest, Channel], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Let through only what Slack signed with a channel's signing secret, and hand the
    view that channel; anything else is a 401 before anything is read."""

    @csrf_exempt
    @require_POST
    @functools.wraps(view)
    def checked(request: HttpRequest) -> HttpResponse:
        channel = slack.verified_channel(body=request.body, headers=request.headers)
        if channel is None:
            return _unauthorized()
        return view(request, channel)

    return checked


@_slack_signed
def slack_interactivity(request: HttpRequest, channel: Channel) -> HttpResponse:
    """Slack's interactivity requests: the message shortcut, and the modal's submission."""
    try:
        payload = json.loads(request.POST.get("payload", ""))
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        return HttpResponse(status=400)
    kind = payload.get("type")
    if kind == "message_action" and payload.get("callback_id") == slack.CALLBACK_ID:
        _open_modal(channel, payload)
        return HttpResponse(status=200)
    view = payload.get("view") or {}
    if kind == "view_submission" and view.get("callback_id") == slack.CALLBACK_ID:
        return _submit(channel, payload, view)
    return HttpResponse(status=200)


def _open_modal(channel: Channel, payload: dict[str, Any]) -> None:
    channel_id, thread_ts = slack.thread_of(payload)
    text = str((payload.get("message") or {}).get("text") or "")
    ref = f"{channel_id}:{thread_ts}"
    view = slack.modal(
        message=text,
        closest=closest_requests(text) if text.strip() else [],
        language=thread_language_or(channel=channel, ref=ref, words=text),
        metadata={"channel": channel_id, "thread_ts": thread_ts},
        ask_account=not config_value(channel, "account"),
    )
    try:
        slack.call(channel, "views.open", {"trigger_id": payload.get("trigger_id"), "view": view})
    except slack.SlackError as error:
        logger.warning("%s (channel %s)", error, channel.slug)


# Which modal block shows the error of each field the intake service may name.
_BLOCK_OF_FIELD = {
    "title": "title",
    "request_number": "attach",
    "kind": "kind",
    "criticality": "criticality",
    "thread.language": "language",
    "account.external_id": "account",
    "account": "account",
}


def _submit(channel: Channel, payload: dict[str, Any], view: dict[str, Any]) -> HttpResponse:
    try:
        meta = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        meta = {}
    values = slack.submitted_values(view)
    form = WishForm(values)
    if not form.is_valid():
        return _errors({name: str(errors[0]) for name, errors in form.errors.items()})
    account_id = str(config_value(channel, "account", "") or values.get("account", "")).strip()
    if not account_id:
        return _errors({"account": _("Give the customer's account.")})
    wish = form.wish()
    ref = f"{meta.get('channel', '')}:{meta.get('thread_ts', '')}"
    try:
        result = wish_log(
            channel=channel,
            ref=ref,
            account=services.AccountData(external_id=account_id),
            wish=wish,
        )
    except IncompleteReport as error:
        return _errors({name: error.message for name in error.missing})
    except Busy as error:
        return _errors({"title": error.message})
    except TrackerError as error:
        return _errors({_BLOCK_OF_FIELD.get(error.field or "", "title"): error.message})
    text = (
        _("Logged as request #%(number)s: %(title)s. The customer is told in the thread.")
        if result.request_created
        else _("Attached to request #%(number)s: %(title)s. The customer is told in the thread.")
    ) % {"number": result.request.number, "title": result.request.title}
    user = str((payload.get("user") or {}).get("id", ""))
    try:
        slack.call(
            channel,
            "chat.postEphemeral",
            {
                "channel": meta.get("channel", ""),
                "user": user,
                "thread_ts": meta.get("thread_ts", ""),
                "text": escape(text),
            },
        )
    except slack.SlackError as error:
        logger.warning("%s (channel %s)", error, channel.slug)
    return HttpResponse(status=200)


def _errors(errors: dict[str, str]) -> JsonResponse:
    # Slack shows each message under its block and keeps the modal open.
    return JsonResponse({"response_action": "errors", "errors": errors})


@_slack_signed
def slack_commands(request: HttpRequest, channel: Channel) -> HttpResponse:
    """`/request <number>`: the request's status, for the agent's eyes only."""
    match = _NUMBER.match(request.POST.get("text", "").strip())
    if match is None:
        text = _("Write the request's number, e.g. /request 1042.")
    else:
        found = selectors.public_request(number=int(match.group(1)))
        if found is None:
            text = _("There is no request #%(number)s.") % {"number": match.group(1)}
        else:
            text = _("#%(number)s %(title)s: %(status)s, %(customers)s. %(url)s") % {
                "number": found.number,
                "title": found.title,
                "status": Status(found.status).label,
                "customers": customers(found.customer_count),
                "url": selectors.status_url(found.merged_into or found.number),
            }
            if found.merged_into:
                text += " " + _("Merged into #%(number)s.") % {"number": found.merged_into}
    return JsonResponse({"response_type": "ephemeral", "text": escape(text)})


# --- Bitrix24 ---------------------------------------------------------------------------


def _app_channel(slug: str) -> Channel | None:
    channel = Channel.objects.filter(slug=slug, kind=ChannelKind.BITRIX24, is_active=True).first()
    if channel is None or not config_value(channel, "client_id"):
        return None
    return channel


@csrf_exempt
@require_POST
def bitrix24_install(request: HttpRequest, slug: str) -> HttpResponse:
    """The app's install callback: stores the portal's OAuth credentials once the OAuth
    server vouches for them, and binds the placements."""
    channel = _app_channel(slug)
    if channel is None:
        return _unauthorized()
    try:
        bitrix24.install(channel, request.POST)
    except bitrix24.Refused as refused:
        logger.warning("Bitrix24 install refused (channel %s): %s", slug, refused)
        return _unauthorized()
    except TrackerError as error:
        return JsonResponse(
            {"errors": [{"field": error.field, "code": error.code, "message": error.message}]},
            status=409,
        )
    except DeliveryError as error:
        logger.warning("Bitrix24 install (channel %s): %s", slug, error)
        return JsonResponse(
            {"errors": [{"field": None, "code": "portal_failed", "message": str(error)}]},
            status=502,
        )
    return JsonResponse({"installed": True})


@csrf_exempt
@require_POST
def bitrix24_events(request: HttpRequest, slug: str) -> HttpResponse:
    """Events Bitrix24 sends the app (the uninstall), checked by the application token."""
    channel = _app_channel(slug)
    if channel is None:
        return _unauthorized()
    try:
        portal = bitrix24.event_portal(channel, request.POST)
    except bitrix24.Refused:
        return _unauthorized()
    if request.POST.get("event", "").upper() in {"ONAPPUNINSTALL", "ONAPPSUNINSTALL"}:
        services_portals.portal_uninstall(portal=portal)
    return JsonResponse({"ok": True})


def _placement(request: HttpRequest, slug: str) -> bitrix24.Placement | None:
    channel = _app_channel(slug)
    if channel is None:
        return None
    try:
        return bitrix24.placement_of(channel, request.POST)
    except bitrix24.Refused as refused:
        logger.warning("Bitrix24 placement refused (channel %s): %s", slug, refused)
        return None


def _page_language(placement: bitrix24.Placement) -> str:
    return placement.lang if placement.lang in Language.values else Language.EN


@csrf_exempt
@xframe_options_exempt
@require_POST
def bitrix24_placement(request: HttpRequest, slug: str) -> HttpResponse:
    """The page Bitrix24 opens in its frame (a POST with AUTH_ID, member_id, PLACEMENT and
    PLACEMENT_OPTIONS): the customer's message, the closest requests and the form."""
    placement = _placement(request, slug)
    if placement is None:
        return _refused_page()
    with translation.override(_page_language(placement)):
        message = bitrix24.customer_message(placement)
        company = bitrix24.crm_company(placement)
        channel = placement.portal.channel
        form = WishForm(
            initial={
                "quote": message,
                "language": thread_language_or(
                    channel=channel, ref=placement.dialog_id, words=message
                ),
                "account": company.external_id if company else "",
            }
        )
        return _placement_page(request, placement, form=form, message=message, query=message)


@csrf_exempt
@xframe_options_exempt
@require_POST
def bitrix24_log(request: HttpRequest, slug: str) -> HttpResponse:
    """The placement page's form, posted from inside Bitrix24's frame: checked against the
    portal like the page itself (the frame has no session of ours, so no CSRF cookie)."""
    placement = _placement(request, slug)
    if placement is None:
        return _refused_page()
    with translation.override(_page_language(placement)):
        message = request.POST.get("message", "")
        if request.POST.get("action") == "search":
            form = WishForm(initial={**request.POST.dict()})
            query = request.POST.get("q", "")
            return _placement_page(request, placement, form=form, message=message, query=query)
        form = WishForm(request.POST)
        if not form.is_valid():
            return _placement_page(request, placement, form=form, message=message, query=message)
        company = bitrix24.crm_company(placement)
        account_id = company.external_id if company else form.cleaned_data["account"].strip()
        if not account_id:
            form.add_error("account", _("Give the customer's account."))
            return _placement_page(request, placement, form=form, message=message, query=message)
        try:
            result = wish_log(
                channel=placement.portal.channel,
                ref=placement.dialog_id,
                account=services.AccountData(
                    external_id=account_id, name=company.name if company else ""
                ),
                wish=form.wish(),
            )
        except IncompleteReport as error:
            for name in error.missing:
                form.add_error(name if name in form.fields else None, error.message)
            return _placement_page(request, placement, form=form, message=message, query=message)
        except TrackerError as error:
            field = _BLOCK_OF_FIELD.get(error.field or "", None)
            form.add_error(field if field in form.fields else None, error.message)
            return _placement_page(request, placement, form=form, message=message, query=message)
        text = (
            _("Logged as request #%(number)s: %(title)s. The customer is told in the chat.")
            if result.request_created
            else _("Attached to request #%(number)s: %(title)s. The customer is told in the chat.")
        ) % {"number": result.request.number, "title": result.request.title}
        bitrix24.confirm_to_agent(placement, text)
        return render(
            request,
            "integrations/bitrix24_done.html",
            {"text": text, "status_url": selectors.status_url(result.request.number)},
        )


def _placement_page(
    request: HttpRequest,
    placement: bitrix24.Placement,
    *,
    form: WishForm,
    message: str,
    query: str,
) -> HttpResponse:
    closest = closest_requests(query) if query.strip() else []
    return render(
        request,
        "integrations/bitrix24_placement.html",
        {
            "form": form,
            "message": message,
            "query": query,
            "closest": closest,
            "placement": placement,
            "log_url": reverse("integrations:bitrix24-log", args=[placement.portal.channel.slug]),
        },
    )


def _refused_page() -> HttpResponse:
    return HttpResponse(
        _("This page opens from the Bitrix24 app only."),
        status=401,
        content_type="text/plain; charset=utf-8",
    )
