"""Reads that several places share: the admin, the API and the status page use these."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict, cast

from django.conf import settings
from django.db.models import Count, Prefetch
from django.db.models.functions import TruncWeek
from django.urls import reverse

from tracker.models import (
    FeatureRequest,
    FeatureRequestQuerySet,
    Mention,
    MentionQuerySet,
    StatusChange,
)

if TYPE_CHECKING:
    from tracker.ranking import Ranking


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


# --- the backlog's pages in the admin -------------------------------------------------------


@dataclass(frozen=True)
class RequestOverview:
    """What a request's admin page shows beside its form."""

    ranking: Ranking
    # The latest mentions of the request and of those merged into it, newest first.
    mentions: list[Mention]
    mention_total: int
    history: list[StatusChange]
    duplicates: list[FeatureRequest]


def request_overview(*, request: FeatureRequest, mentions_shown: int) -> RequestOverview:
    """A request's score explained, its latest mentions (its own and those of requests
    merged into it), its status history and the requests merged into it."""
    family = Mention.objects.of_requests([request.number])
    return RequestOverview(
        ranking=request.ranking(),
        mentions=list(_latest_first(family)[:mentions_shown]),
        mention_total=family.count(),
        history=list(StatusChange.objects.filter(request=request).select_related("changed_by")),
        duplicates=list(FeatureRequest.objects.filter(duplicate_of=request).order_by("number")),
    )


def request_mentions(*, number: int) -> MentionQuerySet | None:
    """Every mention request `number` stands for, newest first: its own and those of the
    requests merged into it, with who raised each, where, and who logged it. None when there
    is no such request."""
    if not FeatureRequest.objects.filter(number=number).exists():
        return None
    return _latest_first(Mention.objects.of_requests([number]))


def _latest_first(mentions: MentionQuerySet) -> MentionQuerySet:
    """Mentions as staff read them: newest first, each with its account, channel and the
    user who logged it fetched in the same query."""
    return mentions.select_related("thread__account", "thread__channel", "logged_by").order_by(
        "-created_at", "-id"
    )


def customers_per_week(*, number: int) -> dict[date, int]:
    """Distinct customer accounts whose threads raised the request (or a request merged into
    it), by the Monday of each week in which any did."""
    rows = (
        Mention.objects.of_requests([number])
        .annotate(week=TruncWeek("created_at"))
        .values("week")
        .annotate(customers=Count("thread__account", distinct=True))
        .order_by("week")
    )
    # A week of a datetime column comes back as the Monday's midnight; the chart counts days.
    return {
        row["week"].date() if isinstance(row["week"], datetime) else row["week"]: row["customers"]
        for row in rows
    }


def threads_told(*, numbers: Iterable[int]) -> int:
    """How many customer threads hear of a change to these requests: their own and those of
    the requests merged into them, each thread once."""
    return Mention.objects.of_requests(numbers).values("thread_id").distinct().count()


class MergeFigures(TypedDict):
    customers: int
    mentions: int
    threads: int


@dataclass(frozen=True)
class MergePreview:
    # The requests that become its duplicates; their threads are told where it is tracked now.
    merged: list[FeatureRequest]
    # The survivor's distinct customers, mentions and following threads after the merge.
    after: MergeFigures


def merge_preview(*, survivor: FeatureRequest, requests: Iterable[FeatureRequest]) -> MergePreview:
    """What merging `requests` into `survivor` would do: which requests become its
    duplicates, and its figures once their customers and threads count for it."""
    merged = [request for request in requests if request.number != survivor.number]
    numbers = [survivor.number, *(request.number for request in merged)]
    after = Mention.objects.of_requests(numbers).aggregate(
        customers=Count("thread__account", distinct=True),
        mentions=Count("id"),
        threads=Count("thread", distinct=True),
    )
    return MergePreview(merged=merged, after=cast(MergeFigures, after))
