"""How the outbox is doing, and whether a person is needed: one read for the admin's
banners, `notifications_status` and `/metrics`.

A person is needed when a channel is paused for a reason only a person can fix
(authentication refused, 410 Gone), when notifications failed for good (each holds its
thread until it is retried or cancelled), when due notifications of a working channel wait
longer than `TRACKER_NOTIFY_ALERT_LAG` seconds (no worker running, or too few), or when a
channel has been failing for longer than `TRACKER_NOTIFY_ALERT_OUTAGE` seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from tracker.choices import DeliveryState
from tracker.models import Channel, Notification


@dataclass(frozen=True)
class ChannelHealth:
    slug: str
    kind: str
    is_active: bool
    pending: int
    due: int
    failed: int
    # Seconds since the oldest pending notification was written.
    oldest_pending_age: float
    # Seconds the longest-due notification has waited past its due time.
    lag: float
    paused_at: datetime | None
    pause_reason: str
    needs_person: bool
    paused_for: float

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


@dataclass(frozen=True)
class OutboxHealth:
    at: datetime
    channels: list[ChannelHealth]
    alert_lag: float
    alert_outage: float

    @property
    def pending(self) -> int:
        return sum(c.pending for c in self.channels)

    @property
    def failed(self) -> int:
        return sum(c.failed for c in self.channels)

    @property
    def oldest_pending_age(self) -> float:
        return max((c.oldest_pending_age for c in self.channels), default=0.0)

    @property
    def paused(self) -> list[ChannelHealth]:
        return [c for c in self.channels if c.is_paused]

    def problems(self) -> list[str]:
        """What a person must look at; empty when the outbox looks after itself."""
        found = []
        for c in self.channels:
            if c.needs_person and c.is_active:
                found.append(f"channel {c.slug} is paused until a person acts: {c.pause_reason}")
            elif c.is_paused and c.is_active and c.paused_for > self.alert_outage:
                found.append(
                    f"channel {c.slug} has been failing for {_duration(c.paused_for)}: "
                    f"{c.pause_reason}"
                )
            elif not c.is_paused and c.lag > self.alert_lag:
                found.append(
                    f"notifications of channel {c.slug} wait {_duration(c.lag)} past due: "
                    "is a worker running?"
                )
            if c.failed:
                found.append(
                    f"{c.failed} notification(s) of channel {c.slug} failed and hold their "
                    "threads: retry or cancel them in the admin"
                )
        return found


def outbox_health(*, now: datetime | None = None) -> OutboxHealth:
    now = now or timezone.now()
    pending = {
        row["thread__channel_id"]: row
        for row in Notification.objects.filter(state=DeliveryState.PENDING)
        .values("thread__channel_id")
        .annotate(
            pending=Count("id"),
            oldest=Min("created_at"),
            due=Count("id", filter=Q(next_attempt_at__lte=now)),
            oldest_due=Min("next_attempt_at", filter=Q(next_attempt_at__lte=now)),
        )
        .order_by()
    }
    failed = dict(
        Notification.objects.filter(state=DeliveryState.FAILED)
        .values("thread__channel_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("thread__channel_id", "n")
    )
    channels = []
    for channel in Channel.objects.order_by("slug"):
        row = pending.get(channel.pk, {})
        channels.append(
            ChannelHealth(
                slug=channel.slug,
                kind=channel.kind,
                is_active=channel.is_active,
                pending=row.get("pending", 0),
                due=row.get("due", 0),
                failed=failed.get(channel.pk, 0),
                oldest_pending_age=_since(row.get("oldest"), now),
                lag=_since(row.get("oldest_due"), now),
                paused_at=channel.paused_at,
                pause_reason=channel.pause_reason,
                needs_person=channel.needs_person,
                paused_for=_since(channel.paused_at, now),
            )
        )
    return OutboxHealth(
        at=now,
        channels=channels,
        alert_lag=float(settings.TRACKER_NOTIFY_ALERT_LAG),
        alert_outage=float(settings.TRACKER_NOTIFY_ALERT_OUTAGE),
    )


def _since(moment: datetime | None, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment else 0.0


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
