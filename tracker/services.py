"""Every change of state goes through here: one function, one transaction, locks first.

Network I/O never happens in these functions; what customers must hear is written to the
notification outbox in the same transaction and delivered later by the worker.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, Model, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracker.choices import (
    CRITICALITY_RANK,
    Criticality,
    DeclineReason,
    DeliveryState,
    Event,
    Kind,
    Language,
    Plan,
    Priority,
    Status,
)
from tracker.deadlines import find_date_phrase
from tracker.errors import (
    IncompleteReport,
    MergeNotAllowed,
    NotFound,
    TrackerError,
    TransitionNotAllowed,
)
from tracker.limits import NOTE_MAX, TITLE_MAX
from tracker.models import (
    Account,
    Channel,
    FeatureRequest,
    Mention,
    Notification,
    StatusChange,
    Thread,
)
from tracker.ranking import plan_weight
from tracker.status import pages as status_pages

# Which status may follow which. `duplicate` is reached only by merging.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.UNDER_REVIEW: frozenset({Status.ACCEPTED, Status.DECLINED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.UNDER_REVIEW, Status.DECLINED}),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.ACCEPTED, Status.DECLINED}),
    Status.DONE: frozenset({Status.IN_PROGRESS}),
    Status.DECLINED: frozenset({Status.UNDER_REVIEW}),
    Status.DUPLICATE: frozenset(),
}
MERGEABLE_INTO = frozenset({Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE})

# A request's demand figures: kept current by each change, rebuilt by requests_recount.
DEMAND_FIELDS = (
    "customer_count",
    "demand_weight",
    "mention_count",
    "mention_criticality",
    "last_raised_at",
)


@dataclass(frozen=True)
class AccountData:
    external_id: str
    name: str = ""
    plan: str = Plan.FREE


@dataclass(frozen=True)
class ThreadData:
    channel: str
    ref: str
    language: str = Language.EN


@dataclass(frozen=True)
class DefectReport:
    steps: str = ""
    started_how: str = ""
    expected: str = ""
    actual: str = ""
    attachments: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        missing = [
            name
            for name in ("steps", "started_how", "expected", "actual")
            if not getattr(self, name).strip()
        ]
        if not [url for url in self.attachments if url.strip()]:
            missing.append("attachments")
        return missing


@dataclass(frozen=True)
class LogResult:
    request: FeatureRequest
    mention: Mention
    request_created: bool
    mention_created: bool
    # The number asked for, when it had been merged into `request`.
    redirected_from: int | None = None


# --- accounts and threads -------------------------------------------------------------


def account_upsert(*, data: AccountData) -> Account:
    """The account with this external id, made on first sight; a changed name or plan is
    saved, and a changed plan re-weighs every request the account raised."""
    if data.plan not in Plan.values:
        raise TrackerError(f"Unknown plan {data.plan!r}.", field="account.plan")
    account = Account.objects.filter(external_id=data.external_id).first()
    if account is None:
        new = Account(
            external_id=data.external_id, name=data.name or data.external_id, plan=data.plan
        )
        # Two first sightings at once make one account: the second finds the first's.
        if _insert_if_absent(new):
            return new
        account = Account.objects.get(external_id=data.external_id)
    plan_changed = account.plan != data.plan
    if plan_changed or (data.name and account.name != data.name):
        account.name = data.name or account.name
        account.plan = data.plan
        account.save(update_fields=["name", "plan"])
    if plan_changed:
        numbers = Mention.objects.filter(thread__account=account).values_list(
            Coalesce("request__duplicate_of_id", "request_id"), flat=True
        )
        requests_recount(numbers=set(numbers))
    return account


def thread_get_or_create(*, data: ThreadData, account: Account) -> tuple[Thread, bool]:
    """The thread, made on first sight, and locked until the transaction ends: work on one
    thread is serialized, so two identical intakes at once leave one mention. Also says
    whether this call made it."""
    if data.language not in Language.values:
        raise TrackerError(
            f"Unsupported language {data.language!r}; use one of "
            + ", ".join(Language.values)
            + ".",
            field="thread.language",
        )
    channel = Channel.objects.filter(slug=data.channel).first()
    if channel is None:
        raise NotFound(f"There is no channel {data.channel!r}.", field="thread.channel")
    # One question, one chat thread: most intakes come from a thread not seen before, so
    # try to make it first. A thread that exists is then locked, its row only.
    thread = Thread(channel=channel, ref=data.ref, account=account, language=data.language)
    created = _insert_if_absent(thread)
    if not created:
        thread = Thread.objects.select_for_update().get(channel=channel, ref=data.ref)
    if thread.account_id != account.pk:
        raise TrackerError("This thread belongs to another customer account.", field="thread.ref")
    thread.account = account
    return thread, created


# --- logging customers' wishes ----------------------------------------------------------


@transaction.atomic
def intake_log(
    *,
    account: AccountData,
    thread: ThreadData,
    request_number: int | None = None,
    title: str = "",
    description: str = "",
    kind: str | None = None,
    criticality: str = Criticality.NORMAL,
    quote: str = "",
    report: DefectReport | None = None,
    logged_by: User | None = None,
) -> LogResult:
    """Log one customer thread against an existing request (by number) or a new one."""
    if (request_number is None) == (not title.strip()):
        raise TrackerError(
            "Give either request_number (to attach) or title (to log a new request).",
            field="request_number" if request_number is not None else "title",
        )
    the_account = account_upsert(data=account)
    the_thread, new_thread = thread_get_or_create(data=thread, account=the_account)
    if request_number is not None:
        return _attach(
            thread=the_thread,
            number=request_number,
            kind=kind,
            criticality=criticality,
            quote=quote,
            report=report,
            logged_by=logged_by,
        )
    return _register(
        thread=the_thread,
        title=title,
        description=description,
        kind=kind or Kind.SUGGESTION,
        criticality=criticality,
        quote=quote,
        report=report,
        logged_by=logged_by,
        new_thread=new_thread,
    )


@transaction.atomic
def request_log(
    *,
    thread: Thread,
    title: str,
    description: str = "",
    kind: str = Kind.SUGGESTION,
    criticality: str = Criticality.NORMAL,
    quote: str = "",
    report: DefectReport | None = None,
    logged_by: User | None = None,
) -> LogResult:
    """Log a new request raised in `thread`. Repeating the call (same thread, same title)
    finds the first one instead of logging a second."""
    _lock_thread(thread)
    return _register(
        thread=thread,
        title=title,
        description=description,
        kind=kind,
        criticality=criticality,
        quote=quote,
        report=report,
        logged_by=logged_by,
    )


@transaction.atomic
def mention_log(
    *,
    thread: Thread,
    number: int,
    kind: str | None = None,
    criticality: str = Criticality.NORMAL,
    quote: str = "",
    report: DefectReport | None = None,
    logged_by: User | None = None,
) -> LogResult:
    """Record that `thread` raised request `number` too. Attaching to a merged request
    attaches to the request it was merged into. Idempotent per thread and request."""
    _lock_thread(thread)
    return _attach(
        thread=thread,
        number=number,
        kind=kind,
        criticality=criticality,
        quote=quote,
        report=report,
        logged_by=logged_by,
    )


def _register(
    *,
    thread: Thread,
    title: str,
    description: str,
    kind: str,
    criticality: str,
    quote: str,
    report: DefectReport | None,
    logged_by: User | None,
    new_thread: bool = False,
) -> LogResult:
    """request_log's work; the caller holds the thread's lock. A thread this transaction
    made has raised nothing yet, so it needs no look for an earlier identical call."""
    title = " ".join(title.split())
    if not title:
        raise TrackerError("A new request needs a title.", field="title")
    if len(title) > TITLE_MAX:
        raise TrackerError(f"The title is longer than {TITLE_MAX} characters.", field="title")
    if kind not in Kind.values:
        raise TrackerError(f"Unknown kind {kind!r}.", field="kind")
    _check_mention_input(kind=kind, criticality=criticality, report=report)

    earlier = (
        None
        if new_thread
        else Mention.objects.filter(thread=thread, request__title__iexact=title)
        .select_related("request")
        .first()
    )
    if earlier is not None:
        request = _lock_canonical(earlier.request_id)
        mention = Mention.objects.filter(thread=thread, request=request).first() or earlier
        return LogResult(request, mention, request_created=False, mention_created=False)

    # A new request's figures are this one mention's: written with the request itself.
    request = FeatureRequest(title=title, description=description, kind=kind, created_by=logged_by)
    now = timezone.now()
    _count_mention(request, thread=thread, criticality=criticality, at=now, new_customer=True)
    request.save(force_insert=True)
    StatusChange.objects.create(
        request=request, to_status=Status.UNDER_REVIEW, changed_by=logged_by, created_at=now
    )
    mention = _create_mention(
        request=request,
        thread=thread,
        criticality=criticality,
        quote=quote,
        report=report,
        logged_by=logged_by,
        at=now,
    )
    _notify(request=request, thread_ids=[thread.pk], event=Event.REGISTERED)
    return LogResult(request, mention, request_created=True, mention_created=True)


def _attach(
    *,
    thread: Thread,
    number: int,
    kind: str | None,
    criticality: str,
    quote: str,
    report: DefectReport | None,
    logged_by: User | None,
) -> LogResult:
    """mention_log's work; the caller holds the thread's lock."""
    if kind is not None and kind not in Kind.values:
        raise TrackerError(f"Unknown kind {kind!r}.", field="kind")
    _check_mention_input(kind=kind, criticality=criticality, report=report)
    request = _lock_canonical(number)
    redirected_from = number if request.number != number else None
    mention = Mention.objects.filter(thread=thread, request=request).first()
    if mention is not None:
        return LogResult(request, mention, False, False, redirected_from)
    new_customer = (
        not Mention.objects.of_family(request.number)
        .filter(thread__account_id=thread.account_id)
        .exists()
    )
    now = timezone.now()
    mention = _create_mention(
        request=request,
        thread=thread,
        criticality=criticality,
        quote=quote,
        report=report,
        logged_by=logged_by,
        at=now,
    )
    _count_mention(
        request, thread=thread, criticality=criticality, at=now, new_customer=new_customer
    )
    _save_ranked(request, *DEMAND_FIELDS)
    _notify(request=request, thread_ids=[thread.pk], event=Event.ATTACHED)
    return LogResult(request, mention, False, True, redirected_from)


def _check_mention_input(
    *, kind: str | None, criticality: str, report: DefectReport | None
) -> None:
    if criticality not in Criticality.values:
        raise TrackerError(f"Unknown criticality {criticality!r}.", field="criticality")
    if kind == Kind.DEFECT:
        missing = (report or DefectReport()).missing()
        if missing:
            raise IncompleteReport(missing)


def _create_mention(
    *,
    request: FeatureRequest,
    thread: Thread,
    criticality: str,
    quote: str,
    report: DefectReport | None,
    logged_by: User | None,
    at: datetime,
) -> Mention:
    report = report or DefectReport()
    return Mention.objects.create(
        request=request,
        thread=thread,
        logged_by=logged_by,
        created_at=at,
        quote=quote,
        criticality=criticality,
        steps=report.steps,
        started_how=report.started_how,
        expected=report.expected,
        actual=report.actual,
        attachments=[url for url in report.attachments if url.strip()],
    )


def _count_mention(
    request: FeatureRequest, *, thread: Thread, criticality: str, at: datetime, new_customer: bool
) -> None:
    """Update the request's demand figures and score in memory by one mention, without
    recounting the others; the caller saves the request."""
    request.mention_count += 1
    if new_customer:
        request.customer_count += 1
        request.demand_weight += plan_weight(thread.account.plan)
    if (
        CRITICALITY_RANK[Criticality(criticality)]
        > CRITICALITY_RANK[Criticality(request.mention_criticality)]
    ):
        request.mention_criticality = criticality
    request.last_raised_at = at
    request.score = request.ranking().score


# --- product managers' decisions --------------------------------------------------------


@transaction.atomic
def request_transition(
    *,
    number: int,
    status: str,
    public_note: str = "",
    reason: str = "",
    by: User | None = None,
) -> FeatureRequest:
    """Move a request to another status, tell every thread that raised it."""
    request = _lock(number)
    if status == Status.DUPLICATE:
        raise TransitionNotAllowed(
            "A request becomes a duplicate by merging it into another.", field="status"
        )
    if status not in Status.values:
        raise TrackerError(f"Unknown status {status!r}.", field="status")
    if status not in TRANSITIONS[request.status]:
        allowed = ", ".join(sorted(TRANSITIONS[request.status])) or "none"
        raise TransitionNotAllowed(
            f"A request that is {request.status} cannot become {status} (allowed: {allowed}).",
            field="status",
        )
    if status == Status.DECLINED and reason not in DeclineReason.values:
        raise TrackerError(
            "Declining needs a reason: " + ", ".join(DeclineReason.values) + ".",
            field="reason",
        )
    if status != Status.DECLINED and reason:
        raise TrackerError("A reason is given only when declining.", field="reason")
    public_note = _clean_note(public_note)

    StatusChange.objects.create(
        request=request,
        from_status=request.status,
        to_status=status,
        reason=reason,
        public_note=public_note,
        changed_by=by,
    )
    request.status = status
    request.decline_reason = reason
    request.status_changed_at = timezone.now()
    request.save(update_fields=["status", "decline_reason", "status_changed_at"])
    _public_view_changed(request.number)
    _notify(
        request=request,
        thread_ids=_family_thread_ids(request.number),
        event=Event.STATUS_CHANGED,
        reason=reason,
        public_note=public_note,
    )
    return request


@transaction.atomic
def request_merge(
    *, number: int, into: int, public_note: str = "", by: User | None = None
) -> FeatureRequest:
    """Merge request `number` into request `into` as a duplicate. From then on the
    duplicate's threads and customers count for the survivor; the duplicate keeps its
    number and its history, and its threads are told where it is tracked now."""
    if number == into:
        raise MergeNotAllowed("A request cannot be merged into itself.", field="into")
    # Lock both in one order, so that two merges of the same pair cannot deadlock.
    locked = {
        r.number: r
        for r in (_lock(n, field="into" if n == into else "number") for n in sorted((number, into)))
    }
    duplicate, survivor = locked[number], locked[into]
    if duplicate.status == Status.DUPLICATE:
        raise MergeNotAllowed(
            f"Request {number} is already merged into {duplicate.duplicate_of_id}.",
            field="number",
        )
    if survivor.status not in MERGEABLE_INTO:
        raise MergeNotAllowed(
            f"Request {into} is {survivor.status}; merge into an open or done request.",
            field="into",
        )
    public_note = _clean_note(public_note)

    # Customers of the duplicate's family that the survivor's family does not have yet.
    new_accounts = (
        Account.objects.filter(threads__mentions__in=Mention.objects.of_family(number))
        .exclude(threads__mentions__in=Mention.objects.of_family(into))
        .distinct()
        .values_list("pk", "plan")
    )
    plans = [plan for _, plan in new_accounts]
    duplicate_threads = _family_thread_ids(number)

    survivor.customer_count += len(plans)
    survivor.demand_weight += sum(plan_weight(plan) for plan in plans)
    survivor.mention_count += duplicate.mention_count
    if (
        CRITICALITY_RANK[Criticality(duplicate.mention_criticality)]
        > CRITICALITY_RANK[Criticality(survivor.mention_criticality)]
    ):
        survivor.mention_criticality = duplicate.mention_criticality
    if duplicate.last_raised_at and (
        survivor.last_raised_at is None or duplicate.last_raised_at > survivor.last_raised_at
    ):
        survivor.last_raised_at = duplicate.last_raised_at
    _save_ranked(survivor, *DEMAND_FIELDS)

    # Keep merges one level deep: what was merged into the duplicate now points at the
    # survivor, so "a request and its duplicates" is always one simple query.
    FeatureRequest.objects.filter(duplicate_of=duplicate).update(duplicate_of=survivor)
    StatusChange.objects.create(
        request=duplicate,
        from_status=duplicate.status,
        to_status=Status.DUPLICATE,
        public_note=public_note,
        changed_by=by,
    )
    duplicate.status = Status.DUPLICATE
    duplicate.decline_reason = ""
    duplicate.duplicate_of = survivor
    duplicate.status_changed_at = timezone.now()
    duplicate.save(update_fields=["status", "decline_reason", "duplicate_of", "status_changed_at"])
    _public_view_changed(number)
    _notify(
        request=survivor,
        thread_ids=duplicate_threads,
        event=Event.MERGED,
        public_note=public_note,
        merged_from=number,
    )
    return survivor


@transaction.atomic
def request_edit(
    *, number: int, title: str, description: str, kind: str, by: User | None = None
) -> FeatureRequest:
    """Product managers' wording of a request. The title is public: the status page
    refreshes once the change is committed."""
    title = " ".join(title.split())
    if not title:
        raise TrackerError("A request needs a title.", field="title")
    if len(title) > TITLE_MAX:
        raise TrackerError(f"The title is longer than {TITLE_MAX} characters.", field="title")
    if kind not in Kind.values:
        raise TrackerError(f"Unknown kind {kind!r}.", field="kind")
    request = _lock(number)
    request.title, request.description, request.kind = title, description, kind
    request.save(update_fields=["title", "description", "kind"])
    _public_view_changed(number)
    return request


@transaction.atomic
def request_set_priority(*, number: int, priority: str, by: User | None = None) -> FeatureRequest:
    if priority not in Priority.values:
        raise TrackerError(f"Unknown priority {priority!r}.", field="priority")
    request = _lock(number)
    request.priority = priority
    _save_ranked(request, "priority")
    return request


@transaction.atomic
def request_set_criticality(
    *, number: int, criticality: str, by: User | None = None
) -> FeatureRequest:
    """Set the product managers' criticality; blank goes back to the customers' highest."""
    if criticality and criticality not in Criticality.values:
        raise TrackerError(f"Unknown criticality {criticality!r}.", field="criticality")
    request = _lock(number)
    request.criticality = criticality
    _save_ranked(request, "criticality")
    return request


# --- rebuilding the demand figures ------------------------------------------------------


@dataclass
class _Demand:
    accounts: int = 0
    weight: float = 0.0
    mentions: int = 0
    crit: int = 0
    last: datetime | None = None


_CRITICALITY_ORDINAL = Case(
    *[When(criticality=c.value, then=Value(rank)) for c, rank in CRITICALITY_RANK.items()],
    output_field=IntegerField(),
)


@transaction.atomic
def requests_recount(*, numbers: Iterable[int]) -> int:
    """Recount demand figures and score of these requests from their mentions and those of
    requests merged into them, with the current plan weights. Returns how many changed."""
    requests = {
        r.number: r
        for r in FeatureRequest.objects.select_for_update()
        .filter(number__in=list(numbers), duplicate_of__isnull=True)
        .order_by("number")
    }
    if not requests:
        return 0
    figures = {n: _Demand() for n in requests}
    rows = (
        Mention.objects.of_requests(requests)
        .annotate(canonical=Coalesce("request__duplicate_of_id", "request_id"))
        .values("canonical", "thread__account_id", "thread__account__plan")
        .annotate(n=Count("id"), last=Max("created_at"), crit=Max(_CRITICALITY_ORDINAL))
        .order_by()
    )
    for row in rows:
        f = figures[row["canonical"]]
        f.accounts += 1
        f.weight += plan_weight(row["thread__account__plan"])
        f.mentions += row["n"]
        f.crit = max(f.crit, row["crit"])
        if f.last is None or row["last"] > f.last:
            f.last = row["last"]
    criticalities = list(CRITICALITY_RANK)
    changed = []
    for number, request in requests.items():
        f = figures[number]
        before = [getattr(request, name) for name in (*DEMAND_FIELDS, "score")]
        request.customer_count = f.accounts
        request.demand_weight = f.weight
        request.mention_count = f.mentions
        request.mention_criticality = criticalities[f.crit]
        request.last_raised_at = f.last
        request.score = request.ranking().score
        if [getattr(request, name) for name in (*DEMAND_FIELDS, "score")] != before:
            changed.append(request)
    FeatureRequest.objects.bulk_update(changed, [*DEMAND_FIELDS, "score"])
    _public_view_changed(*(request.number for request in changed))
    return len(changed)


# --- helpers ----------------------------------------------------------------------------


def _family_thread_ids(number: int) -> list[int]:
    return list(
        Mention.objects.of_family(number)
        .values_list("thread_id", flat=True)
        .order_by("thread_id")
        .distinct()
    )


def _lock(number: int, *, field: str = "number") -> FeatureRequest:
    try:
        return FeatureRequest.objects.select_for_update().get(number=number)
    except FeatureRequest.DoesNotExist:
        raise NotFound(f"There is no request {number}.", field=field) from None


def _lock_canonical(number: int) -> FeatureRequest:
    """Lock the request that `number` is tracked under now (itself, or its survivor)."""
    request = _lock(number, field="request_number")
    while request.duplicate_of_id is not None:
        request = _lock(request.duplicate_of_id, field="request_number")
    return request


def _lock_thread(thread: Thread) -> None:
    # Serializes work on one thread, so two identical intakes at once leave one mention.
    Thread.objects.select_for_update().filter(pk=thread.pk).values_list("pk").first()


def _clean_note(public_note: str) -> str:
    public_note = public_note.strip()
    if len(public_note) > NOTE_MAX:
        raise TrackerError(
            f"The public note is longer than {NOTE_MAX} characters.", field="public_note"
        )
    # Customers are never given a deadline: timing depends on complexity and the queue.
    phrase = find_date_phrase(public_note)
    if phrase is not None:
        raise TrackerError(
            "The public note must not state or imply a date or a time frame: "
            f"\u201c{phrase}\u201d. Timing depends on the complexity of the work and the "
            "development queue.",
            field="public_note",
        )
    return public_note


def _save_ranked(request: FeatureRequest, *fields: str) -> None:
    request.score = request.ranking().score
    request.save(update_fields=[*fields, "score"])
    if "customer_count" in fields:
        _public_view_changed(request.number)


def _public_view_changed(*numbers: int) -> None:
    """What customers see of these requests changed: the status page drops its cached
    pages once the transaction commits (before, a reader could cache the old data again)."""
    transaction.on_commit(lambda: status_pages.forget(numbers))


def _notify(
    *,
    request: FeatureRequest,
    thread_ids: Iterable[int],
    event: str,
    reason: str = "",
    public_note: str = "",
    merged_from: int | None = None,
) -> None:
    """Write the outbox: one notification per thread, in the caller's transaction."""
    thread_ids = list(thread_ids)
    if connection.vendor == "postgresql" and len(thread_ids) > 100:
        _notify_in_one_statement(
            request=request,
            thread_ids=thread_ids,
            event=event,
            reason=reason,
            public_note=public_note,
            merged_from=merged_from,
        )
        return
    Notification.objects.bulk_create(
        [
            Notification(
                thread_id=thread_id,
                request=request,
                event=event,
                status=request.status,
                reason=reason,
                public_note=public_note,
                merged_from=merged_from,
            )
            for thread_id in thread_ids
        ],
        batch_size=1000,
    )


def _insert_values(obj: Model, *, skip: str = "") -> tuple[list[str], list[Any]]:
    """Quoted columns and database values for inserting `obj` by hand (its primary key and
    the field named `skip` left out), exactly as the ORM would write them."""
    columns, params = [], []
    for model_field in obj._meta.concrete_fields:
        if model_field.primary_key or model_field.name == skip:
            continue
        value = model_field.pre_save(obj, add=True)
        columns.append(connection.ops.quote_name(model_field.column))
        params.append(model_field.get_db_prep_save(value, connection=connection))
    return columns, params


def _insert_if_absent(obj: Model) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING the key, in one round trip: True (and
    `obj.pk` set) if this call made the row, False if a row with the same unique key exists
    or was made meanwhile by a transaction that committed. Unlike get_or_create, it needs
    no savepoint, and the row it makes stays locked by this transaction."""
    columns, params = _insert_values(obj)
    table = connection.ops.quote_name(obj._meta.db_table)
    placeholders = ", ".join(["%s"] * len(params))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {connection.ops.quote_name(obj._meta.pk.column)}",
            params,
        )
        row = cursor.fetchone()
    if row is None:
        return False
    obj.pk = row[0]
    obj._state.adding = False
    obj._state.db = connection.alias
    return True


def _notify_in_one_statement(
    *,
    request: FeatureRequest,
    thread_ids: list[int],
    event: str,
    reason: str,
    public_note: str,
    merged_from: int | None,
) -> None:
    """`_notify` for a large fan-out on PostgreSQL: one INSERT … SELECT over an array of
    thread ids instead of thousands of model instances, so that a status change of a
    request raised from 10,000 threads commits well under a second. Every other column
    gets exactly what `bulk_create` would give it, taken from one prototype row."""
    prototype = Notification(
        request=request,
        event=event,
        status=request.status,
        reason=reason,
        public_note=public_note,
        merged_from=merged_from,
    )
    columns, params = _insert_values(prototype, skip="thread")
    thread_column = connection.ops.quote_name(Notification._meta.get_field("thread").column)
    table = connection.ops.quote_name(Notification._meta.db_table)
    placeholders = ", ".join(["%s"] * len(params))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({thread_column}, {', '.join(columns)}) "  # noqa: S608
            f"SELECT thread_id, {placeholders} FROM unnest(%s::bigint[]) AS t(thread_id) "
            "ORDER BY thread_id",
            [*params, thread_ids],
        )


# --- notifications -----------------------------------------------------------------------


@transaction.atomic
def notification_retry(*, ids: Iterable[int]) -> int:
    """Give failed notifications a fresh set of attempts, due now. Returns how many.

    Their threads were held since they failed (a thread never hears a later event before
    an earlier one), so what queued behind them follows once they are delivered."""
    return Notification.objects.filter(id__in=list(ids), state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        leased_until=None,
        last_error="",
    )
