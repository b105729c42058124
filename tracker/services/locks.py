"""Every row lock the services take, in one order, each written once; and the transaction
that runs a service again when PostgreSQL had to break a tie.

The lock order (docs/architecture.md, "Lock order"):

1. the thread an intake logs from (its row only);
2. that thread's customer account: shared by every intake, so that the plan a mention is
   counted with cannot change under it, and exclusive to change the account's name or plan;
2½. on PostgreSQL, advisory locks on request families (`hold_for_attach`, `hold_for_merge`):
   an intake attaching to a request holds its family shared and its own customer's part of
   it exclusive, a merge holds both families it joins exclusive; so the request row itself is
   locked by an intake only for the moment it adds the mention to the figures;
3. feature requests in ascending number: every request the transaction needs, in one
   statement (`lock_requests`), never one more afterwards.

A transaction takes each level once at most and never goes back to an earlier one. What
decides which requests to lock (the request a merged number is tracked under now, the
requests merged into a duplicate, the requests an account raised) is read before the
locks and read again once they are held: when it changed meanwhile, the locks are let go
(they were taken in a savepoint, rolled back) and taken again on what it is now; should
that keep failing, the transaction starts over (`StaleLocks`, run again by
`atomic_retried`), as it does when an account it holds shared must be changed after all
(`lock_account`).

Rows are locked FOR NO KEY UPDATE: no service changes a key, and the weaker lock lets
another transaction insert a row that refers to a locked one (a notification to a thread
an intake holds, a mention of a request) without waiting for it.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any, ParamSpec, TypeVar

from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from tracker.errors import Busy, NotFound, lazy_message
from tracker.models import Account, Channel, FeatureRequest, Thread

logger = logging.getLogger("tracker.services")

P = ParamSpec("P")
R = TypeVar("R")

# How often a service's transaction runs at most, and the first pause between two runs
# (doubled each time, with jitter, so that the contenders do not meet again at once).
ATTEMPTS = 5
FIRST_PAUSE = 0.02
# The SQLSTATEs of a transaction that PostgreSQL rolled back to break a tie between
# transactions: running it again succeeds.
_RETRYABLE = {"40P01": "deadlock detected", "40001": "serialization failure"}


class StaleLocks(Busy):
    """What the transaction locked is not what it needs any more (a request it locked was
    merged meanwhile, say): it starts over. A Busy, so that where no retry can happen (inside
    a caller's transaction) it is still an answer, never a crash."""


def contention(error: BaseException) -> str | None:
    """Why PostgreSQL rolled back a transaction to break a tie with others, or None when
    `error` is not such a rollback."""
    return _RETRYABLE.get(getattr(error.__cause__, "sqlstate", None) or "")


def atomic_retried(service: Callable[P, R]) -> Callable[P, R]:
    """Run `service` in a transaction; when PostgreSQL breaks a deadlock or a serialization
    conflict by rolling it back, or what it locked went stale, run it again from the
    start, at most ATTEMPTS times, then refuse with Busy.

    Called inside another transaction, it runs once: only the outermost transaction can
    start over, and it is the caller's to retry."""
    atomic = transaction.atomic(service)

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return atomic(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return atomic(*args, **kwargs)
            except StaleLocks as stale:
                why = stale.message
            except OperationalError as error:
                why = contention(error) or ""
                if not why:
                    raise
            logger.warning("%s: %s; attempt %d of %d", service.__qualname__, why, attempt, ATTEMPTS)
            if attempt < ATTEMPTS:
                time.sleep(random.uniform(0, FIRST_PAUSE * 2 ** (attempt - 1)))  # noqa: S311
        raise Busy()

    return run


# --- level 1: the thread ------------------------------------------------------------------


def lock_thread(*, channel: Channel, ref: str) -> Thread:
    """Lock the thread `ref` of `channel` (its row only): work on one thread is serialized,
    so two identical intakes at once leave one mention."""
    return Thread.objects.select_for_update(no_key=True).get(channel=channel, ref=ref)


# --- level 2: the account -----------------------------------------------------------------


def lock_account(account: Account, *, to_change: Callable[[Account], bool]) -> Account:
    """Lock the account and return it as locked: exclusive when the transaction will change
    it (`to_change` of the account as read before says so), else shared with other intakes.

    A shared lock cannot safely become exclusive (two holders would each wait for the
    other): when the account turns out to have changed meanwhile so that the transaction
    must change it after all, the transaction starts over (StaleLocks), and then takes the
    exclusive lock at once. A rare race, cheaper to run again than to guard every intake
    against with a savepoint."""
    if not connection.features.has_select_for_update:
        # SQLite: this transaction is the one writer from its start; nothing changes it.
        return account
    if to_change(account):
        return Account.objects.select_for_update(no_key=True).get(pk=account.pk)
    shared = _lock_account_shared(account.pk)
    if to_change(shared):
        raise StaleLocks("the account changed meanwhile")
    return shared


def _lock_account_shared(pk: int) -> Account:
    # The ORM has no FOR SHARE; the table's name comes from the model, the key is a param.
    table = connection.ops.quote_name(Account._meta.db_table)
    return Account.objects.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [pk])[0]  # noqa: S608


# --- level 2½: request families (advisory locks, PostgreSQL) --------------------------------

# The two-key space of PostgreSQL's advisory locks (the one-key space is the embedding
# worker's lease). A family's key is (FAMILY, its number folded into 31 bits); a customer's
# part of one is (the number folded, the account's id folded), never negative, so the two
# kinds never meet. Two keys that fold alike only make one wait for the other.
FAMILY = -1
_FOLD = 0x7FFFFFFF


def _fold(value: int) -> int:
    return value & _FOLD


def _advisory_calls(
    *,
    shared: Iterable[int] = (),
    exclusive: Iterable[int] = (),
    customer: tuple[int, int] | None = None,
) -> tuple[str, list[int]]:
    """The SQL that takes these transaction-level advisory locks, families first (in
    ascending key), then the customer's part, and its parameters; the locks are released
    when the transaction ends."""
    calls: list[str] = []
    params: list[int] = []
    keys = sorted(
        {
            *((_fold(n), "pg_advisory_xact_lock_shared") for n in shared),
            *((_fold(n), "pg_advisory_xact_lock") for n in exclusive),
        }
    )
    for key, function in keys:
        calls.append(f"{function}(%s, %s)")
        params += [FAMILY, key]
    if customer is not None:
        calls.append("pg_advisory_xact_lock(%s, %s)")
        params += [_fold(customer[0]), _fold(customer[1])]
    return ", ".join(calls), params


def _hold_advisory(**keys: Any) -> None:
    """Take these advisory locks (as `_advisory_calls` names them) in one statement."""
    calls, params = _advisory_calls(**keys)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + calls, params)


ATTACH_READS = ("number", "title", "status", "decline_reason", "duplicate_of_id")


def hold_for_attach(
    number: int, *, account_id: int, field: str = "request_number"
) -> FeatureRequest:
    """For an intake attaching to request `number`: hold, shared, the family of the request
    it is tracked under now (no merge into it or of it starts before this intake ends, and
    none is under way), and exclusive this account's part of that family (two intakes of
    one account at once count the customer once). No row is locked: the intake locks the
    request's row only with the one UPDATE that adds its mention to the figures
    (`tracker.db.add_demand`). Returns the request as read once held, unlocked, with the
    fields ATTACH_READS only."""
    asked = number
    for _ in range(ATTEMPTS):
        request = _read_held(number, account_id=account_id)
        if request is None:
            raise missing_request(asked, field=field)
        if request.duplicate_of_id is None:
            return request
        number = request.duplicate_of_id
    raise StaleLocks("the request to attach to kept being merged")


def _read_held(number: int, *, account_id: int) -> FeatureRequest | None:
    """Request `number` (its ATTACH_READS; the figures come back from the UPDATE that adds
    to them), read by the statement that takes `hold_for_attach`'s locks once it has found
    the row; written by hand, since the ORM's cost of saying it is most of its cost.

    A merge that committed while the statement waited for the locks is not in what it
    read; it is in what the figures' UPDATE reads, which then finds the request merged, and
    the intake starts over (`add_demand`, StaleLocks)."""
    fields = [FeatureRequest._meta.get_field(name) for name in ATTACH_READS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[union-attr,arg-type]
    params: list[int] = []
    if connection.vendor == "postgresql":
        calls, params = _advisory_calls(shared=[number], customer=(number, account_id))
        columns += f", (SELECT count(*) FROM (SELECT {calls}) AS held)"  # noqa: S608
    table = connection.ops.quote_name(FeatureRequest._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {table} WHERE number = %s",  # noqa: S608 (no input in it)
            [*params, number],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    attnames = [f.attname for f in fields]  # type: ignore[union-attr]
    return FeatureRequest.from_db(connection.alias, attnames, row[: len(fields)])


def hold_for_merge(*numbers: int) -> None:
    """For a merge: hold the families of these requests exclusive, before any request row:
    it waits for the intakes attaching to them, and they for it."""
    if connection.vendor == "postgresql":
        _hold_advisory(exclusive=numbers)


# --- level 3: requests, in ascending number, in one statement -----------------------------


def _locking(**options: Any) -> QuerySet[FeatureRequest]:
    return FeatureRequest.objects.select_for_update(no_key=True, **options).order_by("number")


def lock_requests(numbers: Iterable[int]) -> dict[int, FeatureRequest]:
    """Lock these requests in ascending number, in one statement (PostgreSQL sorts the rows
    before it locks them); the missing are left out."""
    return {request.number: request for request in _locking().filter(number__in=set(numbers))}


def missing_request(number: int, *, field: str) -> NotFound:
    message = lazy_message(gettext_lazy("There is no request %(number)s."), number=number)
    return NotFound(message, field=field)


def lock_request(number: int, *, field: str = "number") -> FeatureRequest:
    """Lock request `number`; NotFound names `field` as the input at fault."""
    request = lock_requests([number]).get(number)
    if request is None:
        raise missing_request(number, field=field)
    return request


def _settled(lock: Callable[[], R]) -> R:
    """Run `lock`, which reads which requests to lock, locks them in one statement and
    checks what it read, again while what it locked went stale. Each run is a savepoint:
    rolled back, it lets go of the rows it locked, so the next run holds no request while
    it takes them, as the lock order wants."""
    if not connection.features.has_select_for_update:
        # SQLite: this transaction is the one writer from its start; nothing goes stale.
        return lock()
    for _ in range(ATTEMPTS):
        try:
            with transaction.atomic():
                return lock()
        except StaleLocks:
            continue
    raise StaleLocks("the requests to lock kept changing")


def lock_tracked(
    numbers: Iterable[int], *, field: str = "request_number"
) -> dict[int, FeatureRequest]:
    """Lock the requests these numbers are tracked under now (each itself, or the request
    it was merged into), in one statement; returns them by the number asked for. A missing
    number is NotFound naming `field`."""
    asked = set(numbers)
    if not asked:
        return {}
    tracked_under = FeatureRequest.objects.filter(number__in=asked).values(
        canonical=Coalesce("duplicate_of_id", "number")
    )

    def lock() -> dict[int, FeatureRequest]:
        # One statement finds and locks them; OF: the subquery's rows are only read.
        locked = {
            request.number: request
            for request in _locking(of=("self",)).filter(number__in=tracked_under)
        }
        if any(request.duplicate_of_id is not None for request in locked.values()):
            raise StaleLocks("a request to lock was merged meanwhile")
        found = {number: locked[number] for number in asked if number in locked}
        if len(found) == len(asked):
            return found
        # Numbers merged into another (or missing): by the request they are tracked under.
        merged = dict(
            FeatureRequest.objects.filter(number__in=asked - set(found)).values_list(
                "number", "duplicate_of_id"
            )
        )
        if missing := asked - set(found) - set(merged):
            raise missing_request(min(missing), field=field)
        for number, survivor in merged.items():
            if survivor not in locked:
                raise StaleLocks("a request to lock was merged meanwhile")
            found[number] = locked[survivor]
        return found

    return _settled(lock)


def lock_for_merge(
    *, number: int, into: int
) -> tuple[FeatureRequest, FeatureRequest, list[FeatureRequest]]:
    """Lock request `number`, request `into`, and each request merged into `number` (a
    merge moves them to `into`), in one statement, and return them in that order; a
    missing one of the first two is NotFound naming its field."""

    def merged_into_number() -> set[int]:
        return set(
            FeatureRequest.objects.filter(duplicate_of_id=number).values_list("number", flat=True)
        )

    hold_for_merge(number, into)

    def lock() -> tuple[FeatureRequest, FeatureRequest, list[FeatureRequest]]:
        moved = merged_into_number()
        locked = lock_requests({number, into, *moved})
        for asked, field in sorted({number: "number", into: "into"}.items()):
            if asked not in locked:
                raise missing_request(asked, field=field)
        # Nothing is merged into `number` while it is locked; before, something may have.
        if merged_into_number() != moved:
            raise StaleLocks("a request was merged into the duplicate meanwhile")
        return locked[number], locked[into], [locked[other] for other in sorted(moved)]

    return _settled(lock)


def lock_canonical_requests(numbers: Iterable[int]) -> dict[int, FeatureRequest]:
    """Lock those of these requests that are not merged into another, in number order, in
    one statement; the others and the missing are left out."""
    return {
        request.number: request
        for request in _locking().filter(number__in=list(numbers), duplicate_of__isnull=True)
    }
