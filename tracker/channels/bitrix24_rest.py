"""A Bitrix24 portal's REST API through our local application's OAuth credentials (the
Bitrix24 app, tracker.integrations.bitrix24), as the REST documentation describes it.

A call is a POST of JSON to `<client_endpoint><method>` with the access token as `auth`
("cURL (OAuth)" in every method's page). The access token lasts an hour: when it has
expired, or the portal answers `expired_token`, it is renewed at the OAuth server with the
refresh token, the app's client id and its `client_secret` (settings/oauth: `GET
/oauth/token/?grant_type=refresh_token&client_id=…&client_secret=…&refresh_token=…`, which
answers a new pair with `expires_in` and the portal's `client_endpoint`). Each renewal is
saved with a compare-and-set on the old refresh token, so that two workers renewing at
once keep whichever pair the OAuth server gave last and neither overwrites the other's.

The OAuth server is the channel's `oauth_url` (https://oauth.bitrix.info unless set; tests
point it at 127.0.0.1), never an address a request to us names: it is what vouches that a
portal installed our app.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone

from tracker.channels import http
from tracker.channels.base import ChannelDown, DeliveryError, NeedsPerson, RateLimited
from tracker.models import Bitrix24Portal, Channel

DEFAULT_OAUTH_URL = "https://oauth.bitrix.info"
CLIENT_ID, CLIENT_SECRET = "client_id", "client_secret"
# Renew a little before the hour is up, not after a call has failed for it.
EARLY = timedelta(seconds=60)
TOKEN_ERRORS = frozenset({"expired_token", "invalid_token"})


def oauth_url(channel: Channel) -> str:
    config = channel.config if isinstance(channel.config, dict) else {}
    return str(config.get("oauth_url") or DEFAULT_OAUTH_URL).rstrip("/")


def oauth_refresh(channel: Channel, refresh_token: str, *, timeout: float) -> dict[str, Any]:
    """The OAuth server's answer to renewing `refresh_token` for this channel's app: a new
    `access_token` and `refresh_token`, `expires_in`, `member_id` and `client_endpoint`.
    Raises NeedsPerson when the server refuses (a wrong client secret, a revoked install)."""
    config = channel.config if isinstance(channel.config, dict) else {}
    client_id, secret = str(config.get(CLIENT_ID) or ""), channel.secret(CLIENT_SECRET)
    if not client_id or not secret:
        raise NeedsPerson("The Bitrix24 app's client_id or client_secret is not set.")
    query = urlencode(
        {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": secret,
            "refresh_token": refresh_token,
        }
    )
    response = http.get(
        f"{oauth_url(channel)}/oauth/token/?{query}",
        headers={"Accept": "application/json"},
        timeout=timeout,
    )
    answer = response.json()
    if not isinstance(answer, dict):
        raise ChannelDown(f"Bitrix24 OAuth: HTTP {response.status}, no JSON.")
    if answer.get("error"):
        if response.status >= 500:
            raise ChannelDown(f"Bitrix24 OAuth: {answer['error']}.")
        raise NeedsPerson(f"Bitrix24 OAuth: {answer['error']}.")
    if not answer.get("access_token") or not answer.get("refresh_token"):
        raise DeliveryError("Bitrix24 OAuth: the answer has no tokens.")
    return answer


def access_token(portal: Bitrix24Portal, *, timeout: float, renew: bool = False) -> str:
    """The portal's access token, renewed first when it has expired (or `renew` says the
    portal refused it)."""
    if not renew and portal.expires_at > timezone.now() + EARLY:
        return portal.access_token
    old = portal.refresh_token
    try:
        answer = oauth_refresh(portal.channel, old, timeout=timeout)
    except NeedsPerson:
        # Another process may have renewed with this refresh token a moment ago.
        portal.refresh_from_db()
        if portal.refresh_token != old:
            return portal.access_token
        raise
    saved = Bitrix24Portal.objects.filter(pk=portal.pk, refresh_token=old).update(
        access_token=answer["access_token"],
        refresh_token=answer["refresh_token"],
        expires_at=timezone.now() + timedelta(seconds=int(answer.get("expires_in") or 3600)),
        client_endpoint=answer.get("client_endpoint") or portal.client_endpoint,
    )
    if saved:
        portal.access_token = answer["access_token"]
        portal.refresh_token = answer["refresh_token"]
        portal.client_endpoint = answer.get("client_endpoint") or portal.client_endpoint
    else:
        portal.refresh_from_db()
    return portal.access_token


def call(
    channel: Channel,
    method: str,
    params: dict[str, Any],
    *,
    timeout: float,
    auth: str | None = None,
) -> Any:
    """Call REST `method` on the channel's portal and return its `result`: as the user a
    placement's `auth` (AUTH_ID) stands for, else as the app with the portal's token."""
    portal = Bitrix24Portal.objects.select_related("channel").filter(channel=channel).first()
    if portal is None:
        raise NeedsPerson("The Bitrix24 app is not installed on the channel's portal.")
    return call_portal(portal, method, params, timeout=timeout, auth=auth)


def call_portal(
    portal: Bitrix24Portal,
    method: str,
    params: dict[str, Any],
    *,
    timeout: float,
    auth: str | None = None,
) -> Any:
    token = auth or access_token(portal, timeout=timeout)
    for attempt in (1, 2):
        response = http.post(
            f"{portal.client_endpoint.rstrip('/')}/{method}",
            body=json.dumps({**params, "auth": token}, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json"},
            timeout=timeout,
        )
        answer = response.json()
        error = str(answer.get("error") or "") if isinstance(answer, dict) else ""
        if error in TOKEN_ERRORS and auth is None and attempt == 1:
            token = access_token(portal, timeout=timeout, renew=True)
            continue
        if error:
            _raise(error, answer, response)
        http.raise_for_status(response, what="Bitrix24")
        if not isinstance(answer, dict) or "result" not in answer:
            raise DeliveryError("Bitrix24: the answer has no result.")
        return answer["result"]
    raise NeedsPerson("Bitrix24: the portal refused the renewed token.")  # pragma: no cover


def _raise(error: str, answer: dict[str, Any], response: http.Response) -> None:
    from tracker.channels.bitrix24 import AUTH_ERRORS, OUTAGE_ERRORS, RATE_LIMIT_ERRORS

    if error in RATE_LIMIT_ERRORS:
        raise RateLimited(f"Bitrix24: {error}.", retry_after=http.retry_after(response))
    description = str(answer.get("error_description", ""))[:200]
    text = f"Bitrix24: {error}: {description}".rstrip(": ")
    if error in AUTH_ERRORS or error in TOKEN_ERRORS:
        raise NeedsPerson(text)
    if error in OUTAGE_ERRORS or response.status >= 500:
        raise ChannelDown(text)
    raise DeliveryError(text)
