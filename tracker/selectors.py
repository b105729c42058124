"""Reads that several places share: the admin, the API and the status page use these."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict, cast

from django.conf import settings
from django.db.models import Count, Prefetch
from django.db.models.functions import Coalesce, TruncWeek
from django.urls import reverse

from tracker.models import (
    FeatureRequest,
    FeatureRequestQuerySet,
    Mention,
    MentionQuerySet,
    PublicText,
    StatusChange,
    UserLanguage,
)
from tracker.public_text import Chosen, choose, parse_order
from tracker.relevance import title_language

if TYPE_CHECKING:
    from tracker.ranking import Ranking


# --- public texts per language (tracker.public_text) ---------------------------------------


@dataclass(frozen=True)
class Versions:
    """A public text's versions by language, and the language it was written in first."""

    texts: dict[str, str]
    source: str

    def read_in(self, language: str) -> Chosen | None:
        """The version a reader of `language` gets (docs/notifications.md)."""
        return choose(self.texts, wanted=language, source=self.source, order=fallback_order())


def fallback_order() -> tuple[str, ...]:
    return parse_order(settings.TRACKER_PUBLIC_TEXT_FALLBACK)


def _versions(rows: Iterable[PublicText], *, original: str) -> Versions:
    """Published `rows` of one text; `original` (the text as first given, the internal
    title) stands for its own language when no row does."""
    texts: dict[str, str] = {}
    source = ""
    for row in rows:
        source = source or row.source_language
        if not row.is_draft:
            texts[row.language] = row.text
    if original:
        source = source or title_language(original)
        texts.setdefault(title_language(original), original)
    return Versions(texts=texts, source=source or "en")


def title_versions(requests: Iterable[FeatureRequest]) -> dict[int, Versions]:
    """Each request's public title by language (one query for all of them)."""
    requests = list(requests)
    rows: dict[int, list[PublicText]] = {request.number: [] for request in requests}
    for row in PublicText.objects.titles_of(rows).order_by("id"):
        rows[row.request_id].append(row)
    return {r.number: _versions(rows[r.number], original=r.title) for r in requests}


def note_versions(changes: Iterable[StatusChange]) -> dict[int, Versions]:
    """Each decision's public note by language (one query for all of them)."""
    changes = list(changes)
    rows: dict[int, list[PublicText]] = {change.pk: [] for change in changes}
    for row in PublicText.objects.notes_of(rows).order_by("id"):
        rows[row.change_id].append(row)  # type: ignore[index]
    return {c.pk: _versions(rows[c.pk], original=c.public_note) for c in changes}


# --- the public view ----------------------------------------------------------------------


@dataclass(frozen=True)
class PublicChange:
    status: str
    # The note in the reader's language, or its fallback; "" when there is none.
    public_note: str
    at: datetime
    public_note_language: str = ""
    public_note_is_fallback: bool = False
    reason: str = ""


@dataclass(frozen=True)
class PublicRequest:
    """What anyone may see of a request: nothing about customers, threads or ranking. Its
    title and notes are in the reader's `language`, or a fallback that says so."""

    number: int
    title: str
    kind: str
    status: str
    customer_count: int
    last_changed_at: datetime
    history: tuple[PublicChange, ...]
    # Set when the request was merged: the number it is tracked under now.
    merged_into: int | None
    language: str = "en"
    title_language: str = "en"
    title_is_fallback: bool = False
    # Every published version of the title, by language.
    titles: dict[str, str] | None = None
    decline_reason: str = ""


def public_request(*, number: int, language: str = "en") -> PublicRequest | None:
    request = (
        FeatureRequest.objects.filter(number=number)
        .only(
            "number",
            "title",
            "kind",
            "status",
            "decline_reason",
            "customer_count",
            "status_changed_at",
            "duplicate_of",
        )
        .first()
    )
    if request is None:
        return None
    language = language[:2]
    changes = list(
        StatusChange.objects.filter(request_id=number)
        .only("to_status", "reason", "public_note", "created_at")
        .order_by("created_at", "id")
    )
    notes = note_versions(changes)
    history = []
    for change in changes:
        note = notes[change.pk].read_in(language)
        history.append(
            PublicChange(
                status=change.to_status,
                public_note=note.text if note else "",
                at=change.created_at,
                public_note_language=note.language if note else "",
                public_note_is_fallback=note.is_fallback if note else False,
                reason=change.reason,
            )
        )
    titles = title_versions([request])[number]
    title = titles.read_in(language)
    return PublicRequest(
        number=request.number,
        title=title.text if title else request.title,
        kind=request.kind,
        status=request.status,
        customer_count=request.customer_count,
        last_changed_at=request.status_changed_at,
        history=tuple(history),
        merged_into=request.duplicate_of_id,
        language=language,
        title_language=title.language if title else titles.source,
        title_is_fallback=title.is_fallback if title else False,
        titles=titles.texts,
        decline_reason=request.decline_reason,
    )


@dataclass(frozen=True)
class Audience:
    """One group of threads that a note reaches, and which version they read."""

    language: str
    threads: int
    # The version they read; "" when the note has none at all.
    reads: str
    is_fallback: bool


def note_audience(*, numbers: Iterable[int], versions: dict[str, str]) -> list[Audience]:
    """Who reads which version of a note given to these requests: the threads that hear of
    them, by language, each group with the version it gets (the confirmation page says so
    before anything is sent). The note's first version is the one written first."""
    source = next(iter(versions), "en")
    counts = (
        Mention.objects.of_requests(numbers)
        .values("thread__language")
        .annotate(threads=Count("thread", distinct=True))
        .order_by("thread__language")
    )
    audience = []
    for row in counts:
        language = row["thread__language"]
        chosen = choose(versions, wanted=language, source=source, order=fallback_order())
        audience.append(
            Audience(
                language=language,
                threads=row["threads"],
                reads=chosen.language if chosen else "",
                is_fallback=chosen.is_fallback if chosen else False,
            )
        )
    return audience


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


# --- public texts that lack a language ------------------------------------------------------


@dataclass(frozen=True)
class MissingText:
    """A public text without a version in `language`, and how many threads of that language
    follow its request: the translators' work list, longest wait first."""

    number: int
    title: str
    kind: str
    # The status change whose note it is; None for the title.
    change_id: int | None
    language: str
    threads: int
    has_draft: bool


def texts_lacking_a_language(*, limit: int = 100) -> list[MissingText]:
    """Titles of requests that are not merged away, and each request's latest note, in each
    language they lack that some following thread reads, most waiting threads first."""
    waiting = (
        Mention.objects.annotate(target=Coalesce("request__duplicate_of_id", "request_id"))
        .values("target", "thread__language")
        .annotate(threads=Count("thread_id", distinct=True))
        .order_by("-threads", "target", "thread__language")
    )
    found: list[MissingText] = []
    chunk = 500
    for start in itertools.count(0, chunk):
        rows = list(waiting[start : start + chunk])
        if not rows:
            break
        found += _lacking(rows)
        if len(found) >= limit:
            break
    found.sort(key=lambda text: (-text.threads, text.number, text.change_id or 0))
    return found[:limit]


def _lacking(rows: list[dict[str, object]]) -> list[MissingText]:
    numbers = {cast(int, row["target"]) for row in rows}
    requests = {r.number: r for r in FeatureRequest.objects.filter(number__in=numbers)}
    titles = title_versions(requests.values())
    drafts = set(
        PublicText.objects.filter(request_id__in=numbers, is_draft=True).values_list(
            "request_id", "change_id", "language"
        )
    )
    latest: dict[int, StatusChange] = {}
    for change in StatusChange.objects.filter(request_id__in=numbers).exclude(public_note=""):
        latest[change.request_id] = change  # ordered oldest first: the last one stays
    notes = note_versions(latest.values())
    lacking = []
    for row in rows:
        number, language = cast(int, row["target"]), cast(str, row["thread__language"])
        request = requests.get(number)
        if request is None:
            continue
        texts: list[tuple[str, int | None, Versions]] = [("title", None, titles[number])]
        if number in latest:
            texts.append(("note", latest[number].pk, notes[latest[number].pk]))
        for kind, change_id, versions in texts:
            if language not in versions.texts:
                lacking.append(
                    MissingText(
                        number=number,
                        title=request.title,
                        kind=kind,
                        change_id=change_id,
                        language=language,
                        threads=cast(int, row["threads"]),
                        has_draft=(number, change_id, language) in drafts,
                    )
                )
    return lacking


def user_language(*, user_id: int) -> str:
    """The language the user chose for the admin; blank when they follow their browser."""
    chosen = UserLanguage.objects.filter(user_id=user_id).values_list("language", flat=True)
    return chosen.first() or ""
