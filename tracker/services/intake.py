"""Logging customers' wishes: accounts, threads, requests and mentions."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from tracker.channels import check_thread_ref
from tracker.choices import Criticality, Event, Kind, Language, Plan, Status
from tracker.db import add_demand, get_or_insert, insert_if_absent, insert_one
from tracker.demand import Demand
from tracker.errors import IncompleteReport, NotFound, TrackerError
from tracker.models import (
    Account,
    Channel,
    DecisionKind,
    FeatureRequest,
    Mention,
    Notification,
    StatusChange,
    Thread,
)
from tracker.ranking import plan_weight
from tracker.relevance import message_language
from tracker.services.checks import clean_title, require_choice
from tracker.services.demand import requests_recount
from tracker.services.locks import (
    StaleLocks,
    atomic_retried,
    hold_for_attach,
    lock_account,
    lock_thread,
    lock_tracked,
)
from tracker.services.outbox import announce_public_change, notify
from tracker.services.record import record_decision


@dataclass(frozen=True)
class AccountData:
    external_id: str
    name: str = ""
    # None keeps an existing account's plan; a new account gets `default_plan()`.
    plan: str | None = None


@dataclass(frozen=True)
class ThreadData:
    channel: str
    ref: str
    # None: a new thread takes the language of the customer's words (the intake's quote),
    # else its channel's default_language, else English; an existing thread keeps its own.
    # Given, it is the thread's language from now on.
    language: str | None = None


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
class IntakeData:
    """What one intake says about the wish, besides the account and the thread: the number
    of the request to attach to, or the title (and so on) of a new one, and the mention."""

    request_number: int | None = None
    title: str = ""
    description: str = ""
    kind: str | None = None
    criticality: str = Criticality.NORMAL
    quote: str = ""
    report: DefectReport | None = None
    logged_by: User | None = None


@dataclass(frozen=True)
class LogResult:
    request: FeatureRequest
    mention: Mention
    request_created: bool
    mention_created: bool
    # The number asked for, when it had been merged into `request`.
    redirected_from: int | None = None


# --- accounts and threads -------------------------------------------------------------


def default_plan() -> str:
    """The plan of an account first seen without one (setting TRACKER_DEFAULT_PLAN)."""
    plan = getattr(settings, "TRACKER_DEFAULT_PLAN", Plan.FREE)
    if plan not in Plan.values:
        raise ImproperlyConfigured(
            f"TRACKER_DEFAULT_PLAN is {plan!r}; use one of " + ", ".join(Plan.values) + "."
        )
    return str(plan)


@atomic_retried
def account_upsert(*, data: AccountData, by: User | None = None) -> Account:
    """The account with this external id, made on first sight (with the plan given, else
    the default plan); a name given is saved, and so is a plan given on purpose: a changed
    plan is on record and re-weighs every request the account raised. A plan left out
    keeps the account's."""
    account, created = _account_get_or_create(data)
    if created:
        return account
    account, replanned = _account_update(account, data=data, by=by)
    if replanned:
        raised = lock_tracked(_raised_by(account))
        requests_recount(numbers={request.number for request in raised.values()})
    return account


def _account_get_or_create(data: AccountData) -> tuple[Account, bool]:
    """The account, made on first sight; says whether this call made it. A made account
    is this transaction's until it commits, so it needs no lock."""
    if data.plan is not None:
        require_choice(data.plan, Plan, field="account.plan")
    account, made = get_or_insert(
        Account(
            external_id=data.external_id,
            name=data.name or data.external_id,
            plan=data.plan or default_plan(),
        ),
        unique="external_id",
    )
    return account, made  # type: ignore[return-value]


def _account_update(
    account: Account, *, data: AccountData, by: User | None
) -> tuple[Account, bool]:
    """Lock the account (level 2 of the lock order) and save the name and plan given when
    they differ from its own. Returns the account as locked and whether its plan changed.
    Intakes that change nothing share the lock: they run side by side, and a plan change
    waits for them (and they for it), so a mention is never counted with a stale plan."""

    def changes(of: Account) -> bool:
        return bool(data.name and data.name != of.name) or data.plan not in (None, of.plan)

    account = lock_account(account, to_change=changes)
    if not changes(account):
        return account, False
    old_plan = account.plan
    account.name = data.name or account.name
    account.plan = data.plan or account.plan
    account.save(update_fields=["name", "plan"])
    record_decision(
        kind=DecisionKind.PLAN, account=account, by=by, changes={"plan": (old_plan, account.plan)}
    )
    return account, account.plan != old_plan


def _raised_by(account: Account) -> set[int]:
    """The numbers of the requests the account's threads raised (some maybe merged)."""
    return set(
        Mention.objects.filter(thread__account=account)
        .values_list("request_id", flat=True)
        .distinct()
    )


def thread_get_or_create(
    *, data: ThreadData, account: Account, words: str = ""
) -> tuple[Thread, bool]:
    """The thread, made on first sight, and locked until the transaction ends: work on one
    thread is serialized, so two identical intakes at once leave one mention. Also says
    whether this call made it. A language given is the thread's from now on (an agent
    corrected it); left out, a new thread's is read from the customer's `words`."""
    if data.language is not None:
        require_choice(
            data.language,
            Language,
            field="thread.language",
            message=f"Unsupported language {data.language!r}; use one of "
            + ", ".join(Language.values)
            + ".",
        )
    channel = channel_named(data.channel)
    if channel is None:
        raise NotFound(f"There is no channel {data.channel!r}.", field="thread.channel")
    check_thread_ref(channel, data.ref)
    language = data.language or thread_language(channel=channel, words=words)
    # One question, one chat thread: most intakes come from a thread not seen before, so
    # try to make it first. A thread that exists is then locked, its row only.
    thread = Thread(channel=channel, ref=data.ref, account=account, language=language)
    created = insert_if_absent(thread)
    if not created:
        thread = lock_thread(channel=channel, ref=data.ref)
    if thread.account_id != account.pk:
        raise TrackerError("This thread belongs to another customer account.", field="thread.ref")
    if not created and data.language is not None and data.language != thread.language:
        # Notifications are rendered when they are sent, so those still owed speak it too.
        thread.language = data.language
        thread.save(update_fields=["language"])
    thread.account = account
    return thread, created


# Channels are configuration, read by every intake and changed by an operator now and then:
# each process keeps a copy of those it has read (without their secrets) for
# CHANNEL_COPY_SECONDS. A change reaches this process at once (the signals below) and every
# other process within that time. It saves the intake one statement of about a dozen.
CHANNEL_COPY_SECONDS = 5.0
_channel_copies: dict[str, tuple[float, Channel]] = {}
_channel_copies_lock = threading.Lock()


def channel_named(slug: str) -> Channel | None:
    """The channel `slug`, as read at most CHANNEL_COPY_SECONDS ago; None if there is none
    (not kept: a channel made a moment later is found at once). Read-only: callers must
    not change or save it."""
    now = time.monotonic()
    copy = _channel_copies.get(slug)
    if copy is not None and now - copy[0] < CHANNEL_COPY_SECONDS:
        return copy[1]
    channel = Channel.objects.filter(slug=slug).defer("secrets").first()
    with _channel_copies_lock:
        if channel is None:
            _channel_copies.pop(slug, None)
        else:
            _channel_copies[slug] = (now, channel)
    return channel


def forget_channel_copies(**_: object) -> None:
    with _channel_copies_lock:
        _channel_copies.clear()


post_save.connect(forget_channel_copies, sender=Channel, dispatch_uid="intake-channel-copies")
post_delete.connect(forget_channel_copies, sender=Channel, dispatch_uid="intake-channel-copies")


def thread_language(*, channel: Channel, words: str) -> str:
    """The language a new thread gets when nobody said: the one the customer's words are
    written in; when they say nothing (no letters), the channel's default_language."""
    default = channel.config.get("default_language") if isinstance(channel.config, dict) else None
    return message_language(words) or (default if default in Language.values else Language.EN)


# --- logging customers' wishes ----------------------------------------------------------


@atomic_retried
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
    """Log one customer thread against an existing request (by number) or a new one.
    Attaching to a merged request attaches to the request it was merged into. Repeating
    the call finds what the first made instead of logging again.

    Locks, in the order of tracker.services.locks: the thread, its account, then in one
    statement the request attached to and, when the call changes the account's plan,
    every request the account raised (the new plan re-weighs them)."""
    data = IntakeData(
        request_number=request_number,
        title=title,
        description=description,
        kind=kind,
        criticality=criticality,
        quote=quote,
        report=report,
        logged_by=logged_by,
    )
    if (data.request_number is None) == (not data.title.strip()):
        raise TrackerError(
            "Give either request_number (to attach) or title (to log a new request).",
            field="request_number" if data.request_number is not None else "title",
        )
    the_account, new_account = _account_get_or_create(account)
    the_thread, new_thread = thread_get_or_create(
        data=thread, account=the_account, words=quote or description or title
    )
    replanned = False
    if not new_account:
        the_account, replanned = _account_update(the_account, data=account, by=logged_by)
        the_thread.account = the_account
    raised = _raised_by(the_account) if replanned else set()

    if data.request_number is not None:
        _check_attach(data)
        target = hold_for_attach(data.request_number, account_id=the_account.pk)
        # A plan change re-weighs every request the account raised: those rows are locked
        # now, the target's with them; else the target's row is locked only by the update
        # of its figures, at the end.
        locked = lock_tracked({target.number, *raised}) if raised else {target.number: target}
        result = _attach(
            thread=the_thread,
            request=locked[target.number],
            asked=data.request_number,
            data=data,
            new_thread=new_thread,
            new_account=new_account,
        )
    else:
        title, kind = _check_register(data)
        earlier = _raised_before(the_thread, title=title, new_thread=new_thread)
        locked = lock_tracked({*raised, *([earlier.request_id] if earlier else [])})
        if earlier is not None:
            request = locked[earlier.request_id]
            mention = Mention.objects.filter(thread=the_thread, request=request).first()
            result = LogResult(request, mention or earlier, False, False)
        else:
            result = _register(thread=the_thread, data=data, title=title, kind=kind)
    if raised:
        requests_recount(numbers={locked[number].number for number in raised})
    return result


def _check_attach(data: IntakeData) -> None:
    if data.kind is not None:
        require_choice(data.kind, Kind, field="kind")
    _check_mention(data, kind=data.kind)


def _check_register(data: IntakeData) -> tuple[str, str]:
    """The new request's title and kind, once what the intake says of it passes."""
    title = clean_title(data.title, if_blank="A new request needs a title.")
    kind = data.kind or Kind.SUGGESTION
    require_choice(kind, Kind, field="kind")
    _check_mention(data, kind=kind)
    return title, kind


def _raised_before(thread: Thread, *, title: str, new_thread: bool) -> Mention | None:
    """The mention of a request with this title that the thread raised already, if any: a
    repeated call. A thread this transaction made has raised nothing yet."""
    if new_thread:
        return None
    return Mention.objects.filter(thread=thread, request__title__iexact=title).first()


def _register(*, thread: Thread, data: IntakeData, title: str, kind: str) -> LogResult:
    """Log a new request raised in `thread`, which the caller holds locked."""
    # A new request's figures are this one mention's: written with the request itself.
    request = FeatureRequest(
        title=title, description=data.description, kind=kind, created_by=data.logged_by
    )
    now = timezone.now()
    _count_mention(request, thread=thread, data=data, at=now, new_customer=True)
    insert_one(request)
    insert_one(
        StatusChange(
            request=request,
            to_status=Status.UNDER_REVIEW,
            changed_by=data.logged_by,
            created_at=now,
        )
    )
    mention = _create_mention(request=request, thread=thread, data=data, at=now, new_customer=True)
    notify(request=request, thread_ids=[thread.pk], event=Event.REGISTERED)
    return LogResult(request, mention, request_created=True, mention_created=True)


def _attach(
    *,
    thread: Thread,
    request: FeatureRequest,
    asked: int,
    data: IntakeData,
    new_thread: bool,
    new_account: bool,
) -> LogResult:
    """Record that `thread`, which the caller holds locked, raised `request` too (the
    request number `asked` is tracked under now, whose family the caller holds for this
    account: `hold_for_attach`). Idempotent per thread and request.

    The request's row is locked only from the update of its figures to the commit: the
    customer is counted by what this account's threads raised before (no other intake of
    the account can add to it meanwhile), and the figures grow by one atomic UPDATE, so
    intakes of many customers on one request run side by side until that last moment."""
    redirected_from = asked if request.number != asked else None
    if not new_thread:  # a thread this transaction made has raised nothing yet
        mention = Mention.objects.filter(thread=thread, request=request).first()
        if mention is not None:
            return LogResult(request, mention, False, False, redirected_from)
    # An account this transaction made has raised nothing yet.
    new_customer = new_account or not (
        Mention.objects.of_family(request.number)
        .filter(thread__account_id=thread.account_id)
        .exists()
    )
    now = timezone.now()
    mention = _create_mention(
        request=request, thread=thread, data=data, at=now, new_customer=new_customer
    )
    # Written before the row is locked, with the status as read; corrected below in the
    # rare case a status change committed meanwhile (its own notifications could not see
    # this thread's uncommitted mention, so this one must carry the new status).
    read_status = request.status
    # A declined request's reason decides what the attached thread hears (its route).
    notify(
        request=request,
        thread_ids=[thread.pk],
        event=Event.ATTACHED,
        reason=request.decline_reason,
    )
    added = add_demand(
        request.number,
        customers=1 if new_customer else 0,
        weight=plan_weight(thread.account.plan) if new_customer else 0.0,
        criticality=data.criticality,
        at=now,
    )
    if added is None:  # merged since it was read: impossible while the family is held
        raise StaleLocks("the request attached to was merged meanwhile")
    for name, value in added.items():
        setattr(request, name, value)
    score = request.ranking().score
    if score != request.score:  # SQL rounded a tie otherwise than the formula: it counts
        request.score = score
        FeatureRequest.objects.filter(number=request.number).update(score=score)
    if request.status != read_status:
        Notification.objects.filter(
            thread=thread, request=request, event=Event.ATTACHED, status=read_status
        ).update(status=request.status, reason=request.decline_reason)
    if new_customer:
        announce_public_change(request.number)
    return LogResult(request, mention, False, True, redirected_from)


def _check_mention(data: IntakeData, *, kind: str | None) -> None:
    require_choice(data.criticality, Criticality, field="criticality")
    if kind == Kind.DEFECT:
        missing = (data.report or DefectReport()).missing()
        if missing:
            raise IncompleteReport(missing)


def _create_mention(
    *, request: FeatureRequest, thread: Thread, data: IntakeData, at: datetime, new_customer: bool
) -> Mention:
    report = data.report or DefectReport()
    mention = Mention(
        request=request,
        thread=thread,
        logged_by=data.logged_by,
        created_at=at,
        new_customer=new_customer,
        quote=data.quote,
        criticality=data.criticality,
        steps=report.steps,
        started_how=report.started_how,
        expected=report.expected,
        actual=report.actual,
        attachments=[url for url in report.attachments if url.strip()],
    )
    insert_one(mention)
    return mention


def _count_mention(
    request: FeatureRequest, *, thread: Thread, data: IntakeData, at: datetime, new_customer: bool
) -> None:
    """Update the request's demand figures and score in memory by one mention, without
    recounting the others; the caller saves the request."""
    Demand.of(request).add_mention(
        criticality=data.criticality,
        at=at,
        new_customer=new_customer,
        plan_weight=plan_weight(thread.account.plan),
    ).write_to(request)
    request.score = request.ranking().score
