"""What others must hear of a change: the notifications owed to threads, written in the
change's transaction and delivered later by the worker, and the news that what customers
see of a request changed, sent once the change is committed."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tracker.choices import DeliveryState
from tracker.db import insert_for_each, insert_one
from tracker.errors import TrackerError
from tracker.models import FeatureRequest, Mention, Notification, StatusChange
from tracker.signals import public_view_changed

# Above this many threads, PostgreSQL writes the outbox in one INSERT … SELECT.
_ONE_STATEMENT_FROM = 100

# The PostgreSQL channel idle workers LISTEN on (tracker.notifications.delivery).
WAKE_CHANNEL = "tracker_outbox"


def notify(
    *,
    request: FeatureRequest,
    thread_ids: Iterable[int] | QuerySet[Mention, int],
    event: str,
    reason: str = "",
    public_note: str = "",
    note: StatusChange | None = None,
    merged_from: int | None = None,
) -> None:
    """Write the outbox: one notification per thread, in the caller's transaction.
    `thread_ids` is a list, or a query of them (`threads_following`)."""
    facts = {
        "request": request,
        "event": event,
        "status": request.status,
        "reason": reason,
        "public_note": public_note,
        "note": note,
        "merged_from": merged_from,
    }
    if connection.vendor == "postgresql" and isinstance(thread_ids, QuerySet):
        # A status change of a request raised from 10,000 threads commits well under a
        # second this way: one statement, whatever the count, and the ids stay in
        # PostgreSQL.
        insert_for_each(Notification(**facts), field="thread", ids=thread_ids)
        wake_workers()
        return
    thread_ids = list(thread_ids)
    if connection.vendor == "postgresql" and len(thread_ids) > _ONE_STATEMENT_FROM:
        insert_for_each(Notification(**facts), field="thread", ids=thread_ids)
    elif len(thread_ids) == 1:
        # An intake's one notification, and the workers woken, in one statement.
        insert_one(Notification(thread_id=thread_ids[0], **facts), wake=WAKE_CHANNEL)
        return
    else:
        Notification.objects.bulk_create(
            [Notification(thread_id=thread_id, **facts) for thread_id in thread_ids],
            batch_size=1000,
        )
    wake_workers()


def wake_workers() -> None:
    """Tell idle workers there is work, the moment the caller's transaction commits
    (PostgreSQL delivers a NOTIFY at commit, and one per transaction however many are
    sent). Elsewhere workers poll, and this does nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, '')", [WAKE_CHANNEL])


def threads_following(number: int) -> QuerySet[Mention, int]:
    """The threads told of what happens to request `number`: those that raised it or a
    request merged into it. A query, run where it is used: by `notify`, inside its INSERT
    on PostgreSQL."""
    return (
        Mention.objects.of_family(number)
        .values_list("thread_id", flat=True)
        .order_by("thread_id")
        .distinct()
    )


def announce_public_change(*numbers: int) -> None:
    """What customers see of these requests changed: `public_view_changed` is sent once the
    transaction commits (before, a reader could cache the old data again)."""
    transaction.on_commit(lambda: public_view_changed.send(sender=FeatureRequest, numbers=numbers))


@transaction.atomic
def notification_retry(*, ids: Iterable[int]) -> int:
    """Give failed notifications a fresh set of attempts, due now. Returns how many.

    Their threads were held since they failed (a thread never hears a later event before
    an earlier one), so what queued behind them follows once they are delivered."""
    retried = Notification.objects.filter(id__in=list(ids), state=DeliveryState.FAILED).update(
        state=DeliveryState.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        leased_until=None,
        last_error="",
    )
    if retried:
        wake_workers()
    return retried


@transaction.atomic
def notification_cancel(*, ids: Iterable[int], reason: str, by: User | None = None) -> int:
    """Give up on notifications that can never succeed (a thread deleted in the chat, a
    message its channel will always refuse). Returns how many were cancelled.

    Each keeps the reason and who gave it; its thread is released, and the thread's later
    notifications are delivered. A delivered notification stays delivered."""
    reason = reason.strip()
    if not reason:
        raise TrackerError("Say why the notifications are cancelled.", field="reason")
    cancelled = Notification.objects.filter(
        id__in=list(ids), state__in=[DeliveryState.PENDING, DeliveryState.FAILED]
    ).update(
        state=DeliveryState.CANCELLED,
        cancel_reason=reason,
        cancelled_by=by,
        cancelled_at=timezone.now(),
        leased_until=None,
    )
    if cancelled:
        wake_workers()
    return cancelled
