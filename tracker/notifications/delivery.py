"""Getting the outbox said: claim due notifications, send them, record the outcome.

Healthchecks-style. A worker claims a batch in one short transaction (`SELECT … FOR UPDATE
SKIP LOCKED` on PostgreSQL; on SQLite the IMMEDIATE transaction already serializes
writers) by setting a lease, and commits. It sends outside any transaction, then records
each outcome with a compare-and-set on the lease it took: if its lease ran out and another
worker took the notification over, its late answer changes nothing. A worker that dies
leaves leases that run out, and another worker takes the notifications over; so delivery
is at least once, and a repeat carries the same id.

One thread never hears a later event before an earlier one: a notification is not
claimed while an earlier notification of its thread (lower id) is undelivered, pending or
failed. A failed one holds its thread until it is retried from the admin.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from tracker import channels
from tracker.channels import DeliveryError, Outgoing, RateLimited
from tracker.choices import DeliveryState
from tracker.models import Notification
from tracker.notifications.messages import Facts, render_facts, render_subject, status_url

logger = logging.getLogger("tracker.notifications")

ERROR_MAX = 1_000
RATE_LIMIT_MIN_WAIT = 1.0
LEASE_MARGIN = 1.0


@dataclass(frozen=True)
class Policy:
    """How a worker delivers; read from settings, overridable for tests and benchmarks."""

    batch_size: int
    lease_seconds: float
    max_attempts: int
    backoff_base: float
    backoff_cap: float
    timeout: float

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
        )

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th failure: exponential, capped, with
        jitter so that many notifications failing together do not retry together."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** max(attempt - 1, 0))
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (not crypto)


@dataclass
class Outcome:
    claimed: int = 0
    delivered: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    errors: list[str] = field(default_factory=list)


def due(now: datetime) -> Q:
    return Q(state=DeliveryState.PENDING, next_attempt_at__lte=now) & (
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    )


def claim(*, policy: Policy, now: datetime | None = None) -> tuple[list[Notification], datetime]:
    """Lease up to a batch of due notifications, longest due first, at most one per thread.
    Returns them and the lease (the compare-and-set token of every later write)."""
    now = now or timezone.now()
    lease = now + timedelta(seconds=policy.lease_seconds)
    earlier_undelivered = Notification.objects.filter(
        thread_id=OuterRef("thread_id"), id__lt=OuterRef("id")
    ).exclude(state=DeliveryState.DELIVERED)
    with transaction.atomic():
        candidates = (
            Notification.objects.filter(due(now))
            .filter(~Exists(earlier_undelivered))
            # The order of the partial index `notification_due`: the scan stops at a batch.
            .order_by("next_attempt_at", "id")
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True, of=("self",))
        ids = list(candidates.values_list("id", flat=True)[: policy.batch_size])
        if not ids:
            return [], lease
        Notification.objects.filter(id__in=ids).update(leased_until=lease)
    batch = list(
        Notification.objects.filter(id__in=ids, leased_until=lease)
        .select_related("thread__channel")
        .order_by("id")
    )
    return batch, lease


def deliver_batch(
    *,
    policy: Policy | None = None,
    now: datetime | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Outcome:
    """Claim one batch and deliver it. Returns what happened. When `should_stop()` turns
    true (SIGTERM), what is not sent yet is handed back at once for another worker."""
    policy = policy or Policy.from_settings()
    batch, lease = claim(policy=policy, now=now)
    outcome = Outcome(claimed=len(batch))
    delivered: list[int] = []
    # A channel that asked us to slow down is not asked again in this batch.
    limited: dict[int, RateLimited] = {}
    for position, notification in enumerate(batch):
        # Leave what we cannot finish before the lease ends to another worker, rather
        # than send something another worker may be sending too.
        if (should_stop and should_stop()) or timezone.now() + timedelta(
            seconds=policy.timeout + LEASE_MARGIN
        ) >= lease:
            outcome.released += _release(batch[position:], lease=lease)
            break
        channel = notification.thread.channel
        if channel.pk in limited:
            _retry(notification, lease=lease, error=limited[channel.pk], policy=policy, o=outcome)
            continue
        try:
            if not channel.is_active:
                raise DeliveryError(f"Channel {channel.slug!r} is inactive.")
            channels.send(outgoing(notification), timeout=policy.timeout)
        except DeliveryError as error:
            if isinstance(error, RateLimited):
                limited[channel.pk] = error
            _retry(notification, lease=lease, error=error, policy=policy, o=outcome)
        except Exception as error:  # a bug in a channel must not stop the worker
            logger.exception("notification %s: unexpected error", notification.pk)
            wrapped = DeliveryError(f"Unexpected error: {type(error).__name__}.")
            _retry(notification, lease=lease, error=wrapped, policy=policy, o=outcome)
        else:
            delivered.append(notification.pk)
    if delivered:
        outcome.delivered = Notification.objects.filter(
            id__in=delivered, state=DeliveryState.PENDING, leased_until=lease
        ).update(
            state=DeliveryState.DELIVERED,
            delivered_at=timezone.now(),
            leased_until=None,
            attempts=F("attempts") + 1,
            last_error="",
        )
    return outcome


def outgoing(notification: Notification) -> Outgoing:
    thread = notification.thread
    facts = Facts.of(notification)
    return Outgoing(
        id=notification.pk,
        event=notification.event,
        channel=thread.channel,
        thread_ref=thread.ref,
        language=thread.language,
        number=notification.request_id,
        status=notification.status,
        status_url=status_url(notification.request_id),
        subject=render_subject(facts, language=thread.language),
        text=render_facts(facts, language=thread.language),
    )


def run(
    *,
    policy: Policy | None = None,
    once: bool = False,
    should_stop: Callable[[], bool] | None = None,
    idle_sleep: float | None = None,
) -> Outcome:
    """Deliver batches until nothing is due (`once`) or until `should_stop()`."""
    policy = policy or Policy.from_settings()
    idle = settings.TRACKER_NOTIFY_POLL_SECONDS if idle_sleep is None else idle_sleep
    total = Outcome()
    while not (should_stop and should_stop()):
        # A long-running command has no request cycle to recycle its connection (a caller
        # inside a transaction, such as a test, keeps its own).
        if not connection.in_atomic_block:
            close_old_connections()
        outcome = deliver_batch(policy=policy, should_stop=should_stop)
        for name in ("claimed", "delivered", "retried", "failed", "released"):
            setattr(total, name, getattr(total, name) + getattr(outcome, name))
        if outcome.claimed:
            logger.info(
                "delivered %s, retrying %s, failed %s of %s claimed",
                outcome.delivered,
                outcome.retried,
                outcome.failed,
                outcome.claimed,
            )
            continue
        if once:
            break
        _sleep(idle, should_stop)
    return total


def _sleep(seconds: float, should_stop: Callable[[], bool] | None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if should_stop and should_stop():
            return
        time.sleep(min(0.1, max(deadline - time.monotonic(), 0)))


def _retry(
    notification: Notification,
    *,
    lease: datetime,
    error: DeliveryError,
    policy: Policy,
    o: Outcome,
) -> None:
    """Record a failed attempt: back off, or give up after the last attempt. A rate limit
    is not the notification's failure: it waits as asked and keeps its attempts."""
    message = _scrub(str(error), notification.thread.channel.secret)
    rate_limited = isinstance(error, RateLimited)
    attempts = notification.attempts + (0 if rate_limited else 1)
    if error.retry_after is not None:
        delay = error.retry_after + random.uniform(0, 0.1 * error.retry_after + 0.05)  # noqa: S311
    elif rate_limited:
        # Rate limits are counted per second (Bitrix24's leaky bucket, Slack's tiers).
        delay = max(RATE_LIMIT_MIN_WAIT, policy.backoff(1))
    else:
        delay = policy.backoff(max(attempts, 1))
    now = timezone.now()
    failed = attempts >= policy.max_attempts
    changed = Notification.objects.filter(
        id=notification.pk, state=DeliveryState.PENDING, leased_until=lease
    ).update(
        state=DeliveryState.FAILED if failed else DeliveryState.PENDING,
        attempts=attempts,
        next_attempt_at=now if failed else now + timedelta(seconds=delay),
        leased_until=None,
        last_error=message[:ERROR_MAX],
    )
    if changed:
        if failed:
            o.failed += 1
        else:
            o.retried += 1
        o.errors.append(message)
    logger.warning(
        "notification %s to %s: %s (attempt %s%s)",
        notification.pk,
        notification.thread.channel.slug,
        message,
        attempts,
        ", giving up" if failed else "",
    )


def _release(notifications: list[Notification], *, lease: datetime) -> int:
    return Notification.objects.filter(
        id__in=[n.pk for n in notifications], state=DeliveryState.PENDING, leased_until=lease
    ).update(leased_until=None)


def _scrub(message: str, secret: str) -> str:
    """Secrets never reach the database, the admin or the logs, whatever a channel said."""
    if secret:
        message = message.replace(secret, "[secret]")
    return message
