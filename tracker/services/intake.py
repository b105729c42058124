"""Logging customers' wishes: accounts, threads, requests and mentions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from tracker.channels import check_thread_ref
from tracker.choices import Criticality, Event, Kind, Language, Plan, Status
from tracker.db import insert_if_absent
from tracker.demand import DEMAND_FIELDS, Demand
from tracker.errors import IncompleteReport, NotFound, TrackerError
from tracker.models import Account, Channel, FeatureRequest, Mention, StatusChange, Thread
from tracker.ranking import plan_weight
from tracker.services.checks import clean_title, require_choice
from tracker.services.demand import requests_recount, save_ranked
from tracker.services.locks import lock_canonical, lock_thread
from tracker.services.outbox import notify


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


def account_upsert(*, data: AccountData) -> Account:
    """The account with this external id, made on first sight; a changed name or plan is
    saved, and a changed plan re-weighs every request the account raised."""
    require_choice(data.plan, Plan, field="account.plan")
    account = Account.objects.filter(external_id=data.external_id).first()
    if account is None:
        new = Account(
            external_id=data.external_id, name=data.name or data.external_id, plan=data.plan
        )
        # Two first sightings at once make one account: the second finds the first's.
        if insert_if_absent(new):
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
    require_choice(
        data.language,
        Language,
        field="thread.language",
        message=f"Unsupported language {data.language!r}; use one of "
        + ", ".join(Language.values)
        + ".",
    )
    channel = Channel.objects.filter(slug=data.channel).first()
    if channel is None:
        raise NotFound(f"There is no channel {data.channel!r}.", field="thread.channel")
    check_thread_ref(channel, data.ref)
    # One question, one chat thread: most intakes come from a thread not seen before, so
    # try to make it first. A thread that exists is then locked, its row only.
    thread = Thread(channel=channel, ref=data.ref, account=account, language=data.language)
    created = insert_if_absent(thread)
    if not created:
        thread = lock_thread(channel=channel, ref=data.ref)
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
    """Log one customer thread against an existing request (by number) or a new one.
    Attaching to a merged request attaches to the request it was merged into. Repeating
    the call finds what the first made instead of logging again."""
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
    the_account = account_upsert(data=account)
    the_thread, new_thread = thread_get_or_create(data=thread, account=the_account)
    if data.request_number is not None:
        return _attach(thread=the_thread, number=data.request_number, data=data)
    return _register(thread=the_thread, data=data, new_thread=new_thread)


def _register(*, thread: Thread, data: IntakeData, new_thread: bool) -> LogResult:
    """Log a new request raised in `thread`, which the caller holds locked. Repeating the
    call (same thread, same title) finds the first one instead of logging a second; a
    thread this transaction made has raised nothing yet, so it needs no such look."""
    title = clean_title(data.title, if_blank="A new request needs a title.")
    kind = data.kind or Kind.SUGGESTION
    require_choice(kind, Kind, field="kind")
    _check_mention(data, kind=kind)

    earlier = (
        None
        if new_thread
        else Mention.objects.filter(thread=thread, request__title__iexact=title)
        .select_related("request")
        .first()
    )
    if earlier is not None:
        request = lock_canonical(earlier.request_id)
        mention = Mention.objects.filter(thread=thread, request=request).first() or earlier
        return LogResult(request, mention, request_created=False, mention_created=False)

    # A new request's figures are this one mention's: written with the request itself.
    request = FeatureRequest(
        title=title, description=data.description, kind=kind, created_by=data.logged_by
    )
    now = timezone.now()
    _count_mention(request, thread=thread, data=data, at=now, new_customer=True)
    request.save(force_insert=True)
    StatusChange.objects.create(
        request=request, to_status=Status.UNDER_REVIEW, changed_by=data.logged_by, created_at=now
    )
    mention = _create_mention(request=request, thread=thread, data=data, at=now)
    notify(request=request, thread_ids=[thread.pk], event=Event.REGISTERED)
    return LogResult(request, mention, request_created=True, mention_created=True)


def _attach(*, thread: Thread, number: int, data: IntakeData) -> LogResult:
    """Record that `thread`, which the caller holds locked, raised request `number` too.
    Idempotent per thread and request."""
    if data.kind is not None:
        require_choice(data.kind, Kind, field="kind")
    _check_mention(data, kind=data.kind)
    request = lock_canonical(number)
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
    mention = _create_mention(request=request, thread=thread, data=data, at=now)
    _count_mention(request, thread=thread, data=data, at=now, new_customer=new_customer)
    save_ranked(request, *DEMAND_FIELDS)
    notify(request=request, thread_ids=[thread.pk], event=Event.ATTACHED)
    return LogResult(request, mention, False, True, redirected_from)


def _check_mention(data: IntakeData, *, kind: str | None) -> None:
    require_choice(data.criticality, Criticality, field="criticality")
    if kind == Kind.DEFECT:
        missing = (data.report or DefectReport()).missing()
        if missing:
            raise IncompleteReport(missing)


def _create_mention(
    *, request: FeatureRequest, thread: Thread, data: IntakeData, at: datetime
) -> Mention:
    report = data.report or DefectReport()
    return Mention.objects.create(
        request=request,
        thread=thread,
        logged_by=data.logged_by,
        created_at=at,
        quote=data.quote,
        criticality=data.criticality,
        steps=report.steps,
        started_how=report.started_how,
        expected=report.expected,
        actual=report.actual,
        attachments=[url for url in report.attachments if url.strip()],
    )


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
