"""The Bitrix24 app's installs: a portal's OAuth credentials stored when it installs the
app, and forgotten when it uninstalls it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from tracker.errors import TrackerError
from tracker.models import Bitrix24Portal, Channel


@dataclass(frozen=True)
class PortalInstall:
    """What the OAuth server vouched for, and the application token the install carried."""

    member_id: str
    domain: str
    client_endpoint: str
    server_endpoint: str
    access_token: str
    refresh_token: str
    expires_in: int
    application_token: str


@transaction.atomic
def portal_install(*, channel: Channel, data: PortalInstall) -> Bitrix24Portal:
    """Store the portal's credentials for `channel` (an install again replaces them). A
    channel serves one portal: another portal installing into it is refused."""
    portal = Bitrix24Portal.objects.select_for_update().filter(channel=channel).first()
    if portal is not None and portal.member_id != data.member_id:
        raise TrackerError(
            "This channel is another Bitrix24 portal's; make a channel for this one.",
            field="member_id",
        )
    if portal is None:
        if Bitrix24Portal.objects.filter(member_id=data.member_id).exists():
            raise TrackerError(
                "This portal installed the app into another channel already.",
                field="member_id",
            )
        portal = Bitrix24Portal(channel=channel, member_id=data.member_id)
    portal.domain = data.domain
    portal.client_endpoint = data.client_endpoint
    portal.server_endpoint = data.server_endpoint
    portal.access_token = data.access_token
    portal.refresh_token = data.refresh_token
    portal.expires_at = timezone.now() + timedelta(seconds=data.expires_in)
    portal.application_token = data.application_token
    portal.installed_at = timezone.now()
    portal.save()
    return portal


def portal_uninstall(*, portal: Bitrix24Portal) -> None:
    """Forget the portal's credentials: it removed the app, and they no longer work."""
    Bitrix24Portal.objects.filter(pk=portal.pk).delete()
