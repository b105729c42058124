"""Getting the outbox said: claim due notifications, send them, record each outcome.

Healthchecks-style. A worker claims a batch in one short transaction (`SELECT … FOR UPDATE
SKIP LOCKED` on PostgreSQL; on SQLite the IMMEDIATE transaction already serializes
writers) by setting a lease, and commits. It sends outside any transaction and records
each delivery the moment it succeeds, so a worker killed mid-batch re-sends at most the
one message it was sending; a failure is recorded with a compare-and-set on the lease it
took. A worker that dies leaves leases that run out, and another takes the notifications
over: delivery is at least once, and a repeat carries the same id.

One thread never hears a later event before an earlier one: a notification is not
claimed while an earlier notification of its thread (lower id) is pending or failed. A
failed one holds its thread until it is retried or cancelled from the admin.

An outage is the channel's, not the notification's. When a channel fails for everyone,
it is paused as a whole: its notifications keep their attempts and their order, and the
worker probes it with one of them on a backoff; the first probe that gets through resumes
the channel and its queue drains in order. A rate limit pauses it for as long as asked.
What only a person can fix (authentication refused, 410 Gone, a switched-off channel)
pauses it until someone resumes it or replaces its secret. Only what belongs to one
message (the receiver refusing that message) spends that notification's attempts, on a
schedule that spans days (Standard Webhooks'). Since a single failure cannot tell a
message the receiver chokes on from a receiver that is down, a connection failure,
timeout or 5xx counts against the notification while it is the only one failing; a
second, different notification failing before anything is delivered pauses the channel.
"""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import (
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.backends.signals import connection_created
from django.db.models import Exists, F, OuterRef, Prefetch, Q, prefetch_related_objects
from django.utils import timezone

from tracker import channels
from tracker.channels import (
    ChannelDown,
    DeliveryError,
    NeedsPerson,
    Outgoing,
    RateLimited,
    Unreachable,
)
from tracker.choices import DeliveryState
from tracker.db import insert_if_absent, lease_returning, mark_delivered
from tracker.models import Channel, DeliveryCount, Notification, PublicText
from tracker.notifications.messages import Facts, render_facts, render_subject, status_url
from tracker.services.channels import PAUSE_CLEARED
from tracker.services.outbox import WAKE_CHANNEL, wake_workers

logger = logging.getLogger("tracker.notifications")

ERROR_MAX = 1_000
RATE_LIMIT_MIN_WAIT = 1.0
LEASE_MARGIN = 1.0
# Standard Webhooks' example schedule: after the first attempt, wait 5 s, 5 min, 30 min,
# 2 h, 5 h, 10 h, 14 h, 20 h, 24 h: TRACKER_NOTIFY_SCHEDULE's default. With
# TRACKER_NOTIFY_MAX_ATTEMPTS=10 (the default) a notification is tried for about 75 hours
# before it is marked failed.
STANDARD_SCHEDULE = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 50400.0, 72000.0, 86400.0)
# A lost database is tried again after 0.5 s, 1 s, 2 s, … at most this far apart.
DB_RETRY_CAP = 30.0
# A delivery waiting to be recorded tries at least this often, and a worker that got its
# database back (in its loop, or recording a delivery of its own) waits twice as long
# before it claims anything: the notification of a delivery made while the database was
# away is recorded before its lease, run out meanwhile, can be taken over (and the message
# sent again) by another worker.
RECORD_RETRY_CAP = 1.0
RECOVERY_GRACE = 2 * RECORD_RETRY_CAP
DB_ERRORS = (OperationalError, InterfaceError)
# Delivery latency (event to delivery) histogram buckets, in seconds: /metrics.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400)


# What a batch has rendered: the status URL, subject and text of each event per language
# (the key: `outgoing`).
Rendered = dict[tuple[Any, ...], tuple[str, str, str]]


def parse_schedule(value: str | Iterable[float]) -> tuple[float, ...]:
    """`5,300,1800` (seconds) or a sequence of numbers; empty means exponential backoff."""
    items = [item for item in value.split(",") if item.strip()] if isinstance(value, str) else value
    try:
        return tuple(float(item) for item in items)
    except ValueError:
        raise ImproperlyConfigured(
            "TRACKER_NOTIFY_SCHEDULE is seconds separated by commas, e.g. 5,300,1800."
        ) from None


@dataclass(frozen=True)
class Policy:
    """How a worker delivers; read from settings, overridable for tests and benchmarks."""

    batch_size: int
    lease_seconds: float
    max_attempts: int
    backoff_base: float
    backoff_cap: float
    timeout: float
    # The wait after each failed attempt of one notification; empty: exponential backoff
    # from `backoff_base` up to `backoff_cap`.
    schedule: tuple[float, ...] = ()
    # How often a paused channel is probed: doubling from `probe_base` up to `probe_cap`.
    probe_base: float = 5.0
    probe_cap: float = 300.0

    def __post_init__(self) -> None:
        # A notification is sent only while its lease has a timeout to spare.
        if self.lease_seconds < self.timeout + LEASE_MARGIN + 1:
            raise ImproperlyConfigured(
                "TRACKER_NOTIFY_LEASE_SECONDS must exceed TRACKER_NOTIFY_HTTP_TIMEOUT by "
                f"{LEASE_MARGIN + 1:g} s or more."
            )

    @classmethod
    def from_settings(cls) -> Policy:
        return cls(
            batch_size=settings.TRACKER_NOTIFY_BATCH_SIZE,
            lease_seconds=settings.TRACKER_NOTIFY_LEASE_SECONDS,
            max_attempts=settings.TRACKER_NOTIFY_MAX_ATTEMPTS,
            backoff_base=settings.TRACKER_NOTIFY_BACKOFF_BASE,
            backoff_cap=settings.TRACKER_NOTIFY_BACKOFF_CAP,
            timeout=settings.TRACKER_NOTIFY_HTTP_TIMEOUT,
            schedule=parse_schedule(settings.TRACKER_NOTIFY_SCHEDULE),
            probe_base=float(settings.TRACKER_NOTIFY_PROBE_BASE),
            probe_cap=float(settings.TRACKER_NOTIFY_PROBE_CAP),
        )

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failure, with jitter so that many
        notifications failing together do not retry together: the schedule's step ±10 %,
        or between half and all of `min(cap, base × 2^(attempt-1))`."""
        if self.schedule:
            step = self.schedule[min(max(attempt, 1), len(self.schedule)) - 1]
            return step * random.uniform(0.9, 1.1)  # noqa: S311 (not crypto)
        return _jittered(min(self.backoff_cap, self.backoff_base * 2 ** max(attempt - 1, 0)))

    def probe_backoff(self, failures: int) -> float:
        """Seconds until a paused channel is probed again, after `failures` failed probes."""
        return _jittered(min(self.probe_cap, self.probe_base * 2 ** max(failures - 1, 0)))


def _jittered(ceiling: float) -> float:
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (not crypto)


@dataclass
class Outcome:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    paused: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Outcome) -> None:
        for name in ("claimed", "delivered", "retried", "failed", "released", "paused"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def due(now: datetime) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) & (
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    )


def _in_order() -> Q:
    """No earlier notification of the same thread is still owed (pending or failed)."""
    held = Notification.objects.filter(
        thread_id=OuterRef("thread_id"),
        id__lt=OuterRef("id"),
        state__in=[DeliveryState.PENDING, DeliveryState.FAILED],
    )
    return ~Q(Exists(held))


def claim(*, policy: Policy, now: datetime | None = None) -> tuple[list[Notification], datetime]:
    """Lease up to a batch of due notifications, longest due first, at most one per thread:
    one probe of each paused channel whose probe is due, and what channels that are not
    paused owe. Returns them and the lease (the compare-and-set token of later writes)."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=policy.lease_seconds)
    ids = _claim_probes(policy=policy, now=now, lease=lease)
    channels_by_id = Channel.objects.in_bulk()
    paused = [pk for pk, channel in channels_by_id.items() if channel.is_paused]
    limit = max(policy.batch_size - len(ids), 0)
    with transaction.atomic():
        candidates = Notification.objects.filter(due(now)).filter(_in_order())
        if paused:
            candidates = candidates.exclude(thread__channel_id__in=paused)
        # The order of the partial index `notification_due`: the scan stops at a batch.
        candidates = candidates.order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        if connection.vendor == "postgresql" and limit:
            # One statement leases the batch and reads it with its threads.
            batch = lease_returning(candidates.values("id")[:limit], lease=lease)
        else:
            claimed = list(candidates.values_list("id", flat=True)[:limit])
            if claimed:
                Notification.objects.filter(id__in=claimed).update(leased_until=lease)
            batch = list(Notification.objects.filter(id__in=claimed).select_related("thread"))
    if ids:
        batch += Notification.objects.filter(id__in=ids, leased_until=lease).select_related(
            "thread"
        )
    for notification in batch:
        thread = notification.thread
        if thread.channel_id not in channels_by_id:  # made while we claimed
            channels_by_id[thread.channel_id] = Channel.objects.get(pk=thread.channel_id)
        thread.channel = channels_by_id[thread.channel_id]
    batch.sort(key=lambda n: n.pk)
    # The request, and the note's versions by language: the message is in the thread's
    # language (messages.py). Two statements a batch.
    prefetch_related_objects(
        batch, "request", Prefetch("note__texts", PublicText.objects.published())
    )
    return batch, lease


def _claim_probes(*, policy: Policy, now: datetime, lease: datetime) -> list[int]:
    """Lease one notification of each paused channel whose probe is due; one worker
    probes a channel at a time (its probe time moves to the end of the lease)."""
    probes = []
    due_channels = Channel.objects.filter(
        paused_at__isnull=False, needs_person=False, probe_at__lte=now
    ).values_list("id", "probe_at", "last_probe_id")
    for channel_id, probe_at, last_probe_id in due_channels:
        if not Channel.objects.filter(pk=channel_id, probe_at=probe_at).update(probe_at=lease):
            continue
        with transaction.atomic():
            candidates = (
                Notification.objects.filter(due(now), thread__channel_id=channel_id)
                .filter(_in_order())
                .order_by("next_attempt_at", "id")
            )
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            first = list(candidates.values_list("id", flat=True)[:2])
            # Not the one the last probe failed on, when there is another: one message
            # a receiver always chokes on must not keep a working channel paused.
            pick = next((pk for pk in first if pk != last_probe_id), first[0] if first else None)
            if pick is not None:
                Notification.objects.filter(id=pick).update(leased_until=lease)
                probes.append(pick)
        if pick is None:
            again = now + timedelta(seconds=policy.probe_base)
            Channel.objects.filter(pk=channel_id, probe_at=lease).update(probe_at=again)
    return probes


@dataclass
class _Batch:
    """What one batch learnt about its channels while it went."""

    policy: Policy
    lease: datetime
    outcome: Outcome
    # Channels this batch paused, and until when their notifications wait.
    paused: dict[int, datetime | None] = field(default_factory=dict)
    # Channels whose run of failures this batch started or ended.
    failing: set[int] = field(default_factory=set)
    counts: dict[tuple[int, str, float], float] = field(default_factory=lambda: defaultdict(float))
    rendered: Rendered = field(default_factory=dict)
    should_stop: Callable[[], bool] | None = None


def deliver_batch(
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Outcome:
    """Claim one batch and deliver it. Returns what happened. When `should_stop()` turns
    true (SIGTERM), what is not sent yet is handed back at once for another worker."""
    policy = policy or Policy.from_settings()
    notifications, lease = claim(policy=policy, now=now)
    batch = _Batch(
        policy=policy,
        lease=lease,
        outcome=Outcome(claimed=len(notifications)),
        should_stop=should_stop,
    )
    for position, notification in enumerate(notifications):
        # Leave what we cannot finish before the lease ends to another worker, rather
        # than send something another worker may be sending too.
        if (should_stop and should_stop()) or timezone.now() + timedelta(
            seconds=policy.timeout + LEASE_MARGIN
        ) >= lease:
            batch.outcome.released += _release(notifications[position:], lease=lease)
            break
        channel = notification.thread.channel
        if channel.pk in batch.paused:
            _put_back(notification, batch, until=batch.paused[channel.pk], error=None)
            continue
        _deliver(notification, batch, should_stop=should_stop)
    _flush_counts(batch.counts)
    return batch.outcome


def _deliver(
    notification: Notification, batch: _Batch, *, should_stop: Callable[[], bool] | None
) -> None:
    channel = notification.thread.channel
    # Claims leave paused channels out: a paused channel's notification is its probe.
    probe = channel.is_paused
    try:
        if not channel.is_active:
            raise NeedsPerson(f"Channel {channel.slug!r} is inactive.")
        channels.send(outgoing(notification, batch.rendered), timeout=batch.policy.timeout)
    except DeliveryError as error:
        _failed(notification, batch, error=error, probe=probe)
    except Exception as error:  # a bug in a channel must not stop the worker
        logger.exception("notification %s: unexpected error", notification.pk)
        wrapped = DeliveryError(f"Unexpected error: {type(error).__name__}.")
        _charge(notification, batch, error=wrapped)
    else:
        _record(notification, batch)
        if probe:
            _resume(channel)
        elif channel.failing_notification_id is not None or channel.pk in batch.failing:
            Channel.objects.filter(pk=channel.pk, failing_notification_id__isnull=False).update(
                failing_notification_id=None
            )
            batch.failing.discard(channel.pk)
            channel.failing_notification_id = None


def _failed(
    notification: Notification, batch: _Batch, *, error: DeliveryError, probe: bool
) -> None:
    """Decide whose failure it is: the channel's (pause it, the notification keeps its
    attempts) or the notification's (spend one of its attempts)."""
    channel = notification.thread.channel
    message = _scrub(str(error), channel)
    now = timezone.now()
    if isinstance(error, RateLimited):
        # Rate limits are counted per second (Slack: one message per second per channel;
        # Bitrix24's leaky bucket): a Retry-After of 0 still waits a second.
        wait = max(RATE_LIMIT_MIN_WAIT, error.retry_after or 0)
        until = now + timedelta(seconds=wait + random.uniform(0, 0.1 * wait + 0.05))  # noqa: S311
        _pause(channel, batch, reason=message, needs_person=False, probe_at=until)
        batch.paused[channel.pk] = until
        _put_back(notification, batch, until=until, error=message)
    elif isinstance(error, NeedsPerson):
        _pause(channel, batch, reason=message, needs_person=True, probe_at=None)
        batch.paused[channel.pk] = None
        _put_back(notification, batch, until=None, error=message)
    elif isinstance(error, ChannelDown) and (
        probe or isinstance(error, Unreachable) or not _first_to_fail(channel, notification, batch)
    ):
        failures = channel.probe_failures + 1 if probe else 1
        probe_at = now + timedelta(seconds=batch.policy.probe_backoff(failures))
        if probe:
            Channel.objects.filter(pk=channel.pk, paused_at__isnull=False).update(
                probe_at=probe_at,
                probe_failures=failures,
                last_probe_id=notification.pk,
                pause_reason=message[:500],
            )
        else:
            _pause(channel, batch, reason=message, needs_person=False, probe_at=probe_at)
        batch.paused[channel.pk] = None
        _put_back(notification, batch, until=None, error=message)
    else:
        if probe and not isinstance(error, ChannelDown):
            _resume(channel)  # it answered: whatever the message's trouble, the channel works
        _charge(notification, batch, error=error, message=message)


def _first_to_fail(channel: Channel, notification: Notification, batch: _Batch) -> bool:
    """True while `notification` is the only one of its channel failing since the channel
    last delivered anything: then the failure may well be the message's."""
    batch.failing.add(channel.pk)
    if Channel.objects.filter(pk=channel.pk, failing_notification_id__isnull=True).update(
        failing_notification_id=notification.pk
    ):
        return True
    return Channel.objects.filter(pk=channel.pk, failing_notification_id=notification.pk).exists()


def _pause(
    channel: Channel,
    batch: _Batch,
    *,
    reason: str,
    needs_person: bool,
    probe_at: datetime | None,
) -> None:
    now = timezone.now()
    paused = Channel.objects.filter(pk=channel.pk, paused_at__isnull=True).update(
        paused_at=now,
        pause_reason=reason[:500],
        needs_person=needs_person,
        probe_at=None if needs_person else probe_at,
        probe_failures=0,
        last_probe_id=None,
        failing_notification_id=None,
    )
    if not paused and needs_person:
        # Already paused for an outage: now it waits for a person, and says why.
        Channel.objects.filter(pk=channel.pk).update(
            needs_person=True, probe_at=None, pause_reason=reason[:500]
        )
    if paused or needs_person:
        batch.outcome.paused += 1
        logger.warning(
            "channel %s paused%s: %s",
            channel.slug,
            " until a person resumes it" if needs_person else "",
            reason,
        )


def _resume(channel: Channel) -> None:
    resumed = Channel.objects.filter(
        pk=channel.pk, paused_at__isnull=False, needs_person=False
    ).update(**PAUSE_CLEARED)
    if resumed:
        logger.info("channel %s answers again: resumed", channel.slug)
        wake_workers()


def outgoing(notification: Notification, rendered: Rendered | None = None) -> Outgoing:
    """The message to post. A status change fanning out to thousands of threads is one
    event in three languages: with `rendered`, a batch renders each of them once."""
    thread = notification.thread
    # What the text depends on: the notification's own facts and its thread's language.
    # The rest of `Facts` (the request's kind, the note's versions) is read from the
    # request and the note, the same for all of a batch: building `Facts` for the key,
    # per message, cost more than the send.
    key = (
        notification.event,
        notification.request_id,
        notification.status,
        notification.reason,
        notification.public_note,
        notification.merged_from,
        notification.note_id,
        thread.language,
    )
    texts = rendered.get(key) if rendered is not None else None
    if texts is None:
        facts = Facts.of(notification)
        texts = (
            status_url(notification.request_id),
            render_subject(facts, language=thread.language),
            render_facts(facts, language=thread.language),
        )
        if rendered is not None:
            rendered[key] = texts
    url, subject, text = texts
    return Outgoing(
        id=notification.pk,
        event=notification.event,
        channel=thread.channel,
        thread_ref=thread.ref,
        language=thread.language,
        number=notification.request_id,
        status=notification.status,
        status_url=url,
        subject=subject,
        text=text,
        created_at=notification.created_at,
    )


def _record(notification: Notification, batch: _Batch) -> None:
    if _record_delivered(notification, should_stop=batch.should_stop):
        _count_recorded(batch, notification)


def _count_recorded(batch: _Batch, notification: Notification) -> None:
    batch.outcome.delivered += 1
    _count_delivery(batch, notification)


def _record_delivered(
    notification: Notification, *, should_stop: Callable[[], bool] | None
) -> bool:
    """Record a delivery at once. It has happened, whatever the lease says now, so a lost
    database is waited for rather than the record dropped (which would send it twice)."""
    wait, tries = 0.5, 0
    while True:
        try:
            changed = mark_delivered(notification.pk)
        except DB_ERRORS as error:
            if connection.in_atomic_block or (should_stop and should_stop()):
                raise
            tries += 1
            # Once, then every minute or so: it tries every second.
            log = logger.warning if tries % 60 == 1 else logger.debug
            log(
                "database unavailable (%s): recording notification %s again in %.1f s",
                type(error).__name__,
                notification.pk,
                wait,
            )
            _reset_connection()
            time.sleep(wait)
            wait = min(wait * 2, RECORD_RETRY_CAP)
            continue
        if tries:
            # The database is back: another worker may still be waiting to record what it
            # delivered meanwhile. Give it the time before this one claims its lease.
            _sleep(RECOVERY_GRACE, should_stop)
        return changed


def _charge(
    notification: Notification,
    batch: _Batch,
    *,
    error: DeliveryError,
    message: str | None = None,
) -> None:
    """Spend one of the notification's attempts: wait for the next step of its schedule,
    or give up after the last attempt."""
    policy = batch.policy
    message = message if message is not None else _scrub(str(error), notification.thread.channel)
    attempts = notification.attempts + 1
    delay = policy.backoff(attempts)
    if error.retry_after is not None:
        delay = max(delay, error.retry_after)
    now = timezone.now()
    failed = attempts >= policy.max_attempts
    changed = Notification.objects.filter(
        id=notification.pk, state=DeliveryState.PENDING, leased_until=batch.lease
    ).update(
        state=DeliveryState.FAILED if failed else DeliveryState.PENDING,
        attempts=attempts,
        next_attempt_at=now if failed else now + timedelta(seconds=delay),
        leased_until=None,
        last_error=message[:ERROR_MAX],
    )
    channel_id = notification.thread.channel_id
    if changed:
        batch.counts[(channel_id, DeliveryCount.FAILED_ATTEMPTS, 0.0)] += 1
        if failed:
            batch.outcome.failed += 1
            batch.counts[(channel_id, DeliveryCount.GAVE_UP, 0.0)] += 1
        else:
            batch.outcome.retried += 1
        batch.outcome.errors.append(message)
    logger.warning(
        "notification %s to %s: %s (attempt %s%s)",
        notification.pk,
        notification.thread.channel.slug,
        message,
        attempts,
        ", giving up" if failed else "",
    )


def _put_back(
    notification: Notification, batch: _Batch, *, until: datetime | None, error: str | None
) -> None:
    """Hand a notification of a paused channel back untouched: its attempts and its place
    in the queue (`until` only when the channel said how long to wait)."""
    values: dict[str, Any] = {"leased_until": None}
    if until is not None:
        values["next_attempt_at"] = until
    if error is not None:
        values["last_error"] = error[:ERROR_MAX]
    if Notification.objects.filter(
        id=notification.pk, state=DeliveryState.PENDING, leased_until=batch.lease
    ).update(**values):
        batch.outcome.retried += 1


def _release(notifications: list[Notification], *, lease: datetime) -> int:
    return Notification.objects.filter(
        id__in=[n.pk for n in notifications], state=DeliveryState.PENDING, leased_until=lease
    ).update(leased_until=None)


def _scrub(message: str, channel: Channel) -> str:
    """Secrets never reach the database, the admin or the logs, whatever a channel said."""
    for secret in channel.secret_values():
        message = message.replace(secret, "[secret]")
    return message


def _count_delivery(batch: _Batch, notification: Notification) -> None:
    channel_id = notification.thread.channel_id
    latency = max((timezone.now() - notification.created_at).total_seconds(), 0.0)
    batch.counts[(channel_id, DeliveryCount.DELIVERED, 0.0)] += 1
    batch.counts[(channel_id, DeliveryCount.LATENCY_SUM, 0.0)] += latency
    bucket = next((float(le) for le in LATENCY_BUCKETS if latency <= le), None)
    if bucket is not None:
        batch.counts[(channel_id, DeliveryCount.LATENCY_BUCKET, bucket)] += 1


def _flush_counts(counts: dict[tuple[int, str, float], float]) -> None:
    """Add a batch's figures to the running totals. They are figures, not records: when
    the database is away they are dropped rather than hold the worker up."""
    try:
        for (channel_id, name, le), value in counts.items():
            row = DeliveryCount.objects.filter(channel_id=channel_id, name=name, le=le)
            if row.update(value=F("value") + value):
                continue
            if not insert_if_absent(
                DeliveryCount(channel_id=channel_id, name=name, le=le, value=value)
            ):
                row.update(value=F("value") + value)
    except DB_ERRORS:
        if connection.in_atomic_block:
            raise
        logger.warning("database unavailable: this batch's delivery figures are lost")


# --- the worker loop ----------------------------------------------------------------------


class Wakeup:
    """An idle worker's wait: on PostgreSQL, LISTEN on the outbox's channel, so that a
    committed notification wakes it at once (the services NOTIFY in their transaction);
    polling stays as the fallback, and is all there is on SQLite."""

    def __init__(self) -> None:
        self.enabled = connection.vendor == "postgresql"
        self.conn: Any = None

    def listen(self) -> None:
        """Start listening, before looking for work: what commits meanwhile is kept."""
        if not self.enabled or self.conn is not None:
            return
        try:
            params = connection.get_connection_params()
            params.setdefault("connect_timeout", 5)
            conn = connection.get_new_connection(params)
            conn.autocommit = True
            conn.execute(f"LISTEN {WAKE_CHANNEL}")
        except Exception as error:  # the database may be away: poll until it is back
            logger.debug("LISTEN unavailable (%s); polling", type(error).__name__)
            return
        self.conn = conn

    def wait(self, seconds: float, should_stop: Callable[[], bool] | None) -> None:
        if self.conn is None:
            _sleep(seconds, should_stop)
            return
        deadline = time.monotonic() + seconds
        try:
            while (left := deadline - time.monotonic()) > 0:
                if should_stop and should_stop():
                    return
                for _ in self.conn.notifies(timeout=min(left, 0.2), stop_after=1):
                    return
        except Exception:
            self.close()

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except Exception:  # noqa: S110 (closing a connection that is already broken)
                pass
            self.conn = None


def _asynchronous_commit(sender: Any, connection: Any, **kwargs: Any) -> None:
    """A worker's commits need not wait for the WAL to reach the disk: they record what
    was sent and are all compare-and-set, so the few lost if the database server itself
    crashed would be sent again, as after a worker crash. That makes recording each
    delivery as it succeeds cheap enough."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")


def run(
    *,
    policy: Policy | None = None,
    once: bool = False,
    should_stop: Callable[[], bool] | None = None,
    idle_sleep: float | None = None,
) -> Outcome:
    """Deliver batches until nothing is due (`once`) or until `should_stop()`. A lost or
    refused database makes the worker wait and reconnect, with a backoff, not exit."""
    policy = policy or Policy.from_settings()
    idle = settings.TRACKER_NOTIFY_POLL_SECONDS if idle_sleep is None else idle_sleep
    total = Outcome()
    wakeup = Wakeup()
    db_wait = 0.0
    own_connection = not connection.in_atomic_block
    if own_connection:
        # The worker's own connections; a caller's open transaction (a test) is left be.
        connection_created.connect(_asynchronous_commit, dispatch_uid=__name__)
        _reset_connection()
    try:
        while not (should_stop and should_stop()):
            # A long-running command has no request cycle to recycle its connection (a
            # caller inside a transaction, such as a test, keeps its own).
            if not connection.in_atomic_block:
                close_old_connections()
            try:
                if db_wait:
                    # Back, or still away (this raises): let deliveries made meanwhile
                    # be recorded before claiming (RECORD_RETRY_CAP).
                    connection.ensure_connection()
                    _sleep(RECOVERY_GRACE, should_stop)
                if not once:
                    wakeup.listen()
                outcome = deliver_batch(policy=policy, should_stop=should_stop)
            except DB_ERRORS as error:
                if connection.in_atomic_block or once:
                    raise
                db_wait = min(max(db_wait * 2, 0.5), DB_RETRY_CAP)
                logger.warning(
                    "database unavailable (%s): trying again in %.1f s",
                    type(error).__name__,
                    db_wait,
                )
                wakeup.close()
                _reset_connection()
                _sleep(db_wait, should_stop)
                continue
            if db_wait:
                logger.info("database available again")
                db_wait = 0.0
            total.add(outcome)
            if outcome.claimed:
                logger.info(
                    "delivered %s, retrying %s, failed %s of %s claimed%s",
                    outcome.delivered,
                    outcome.retried,
                    outcome.failed,
                    outcome.claimed,
                    f"; paused {outcome.paused} channel(s)" if outcome.paused else "",
                )
                continue
            if once:
                break
            wakeup.wait(idle, should_stop)
    finally:
        wakeup.close()
        if own_connection:
            connection_created.disconnect(dispatch_uid=__name__)
    return total


def _reset_connection() -> None:
    try:
        connection.close()
    except Exception:  # noqa: S110 (it is broken already; the next query reconnects)
        pass


def _sleep(seconds: float, should_stop: Callable[[], bool] | None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if should_stop and should_stop():
            return
        time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))
