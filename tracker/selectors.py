"""Reads that several places share: the admin, the API and the status page use these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse

from tracker.models import FeatureRequest, FeatureRequestQuerySet, StatusChange


@dataclass(frozen=True)
class PublicChange:
    status: str
    public_note: str
    at: datetime


@dataclass(frozen=True)
class PublicRequest:
    """What anyone may see of a request: nothing about customers, threads or ranking."""

    number: int
    title: str
    kind: str
    status: str
    customer_count: int
    last_changed_at: datetime
    history: tuple[PublicChange, ...]
    # Set when the request was merged: the number it is tracked under now.
    merged_into: int | None


def public_request(*, number: int) -> PublicRequest | None:
    request = (
        FeatureRequest.objects.filter(number=number)
        .only(
            "number",
            "title",
            "kind",
            "status",
            "customer_count",
            "status_changed_at",
            "duplicate_of",
        )
        .first()
    )
    if request is None:
        return None
    history = tuple(
        PublicChange(status=change.to_status, public_note=change.public_note, at=change.created_at)
        for change in StatusChange.objects.filter(request_id=number)
        .only("to_status", "public_note", "created_at")
        .order_by("created_at", "id")
    )
    return PublicRequest(
        number=request.number,
        title=request.title,
        kind=request.kind,
        status=request.status,
        customer_count=request.customer_count,
        last_changed_at=request.status_changed_at,
        history=history,
        merged_into=request.duplicate_of_id,
    )


def status_url(number: int) -> str:
    """The public status page of request `number`, as customers are sent it."""
    return settings.SITE_URL + reverse("status_page:request", kwargs={"number": number})


def request_detail(*, number: int) -> FeatureRequest | None:
    """One request, with the numbers of those merged into it, as staff see it."""
    return (
        FeatureRequest.objects.filter(number=number)
        .prefetch_related(
            # duplicate_of too: the prefetch matches each duplicate to the request by it.
            Prefetch("duplicates", FeatureRequest.objects.only("number", "duplicate_of"))
        )
        .first()
    )


def ranked_backlog() -> FeatureRequestQuerySet:
    """Requests in ranking order, best first; callers filter it further."""
    return FeatureRequest.objects.ranked()
