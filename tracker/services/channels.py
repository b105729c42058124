"""Configuring channels: made or changed in one place, checked when entered, secrets only
ever replaced; and re-arming a channel the worker paused."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from tracker.channels import clean_config, clean_secret, kind_of
from tracker.errors import TrackerError
from tracker.models import Channel, Thread
from tracker.services.outbox import wake_workers

# What the worker's pause consists of; a resume clears all of it.
PAUSE_CLEARED: dict[str, Any] = {
    "paused_at": None,
    "pause_reason": "",
    "needs_person": False,
    "probe_at": None,
    "probe_failures": 0,
    "last_probe_id": None,
    "failing_notification_id": None,
}


@dataclass(frozen=True)
class ChannelData:
    """A channel as an operator gives it. `config` is the whole new config (None keeps
    it); `secrets` names only the secrets to replace (the others stay as they are)."""

    slug: str
    kind: str
    name: str | None = None
    config: Mapping[str, Any] | None = None
    secrets: Mapping[str, str] = field(default_factory=dict)
    is_active: bool | None = None


@transaction.atomic
def channel_setup(*, data: ChannelData) -> tuple[Channel, bool]:
    """Make the channel `data.slug`, or change it. Returns it and whether it was made.

    Everything is checked before anything is written: a webhook's signing key must be a
    whsec_ key of 24 bytes or more, URLs http(s), each setting one the kind knows. A
    paused channel that a person has just changed (a secret replaced, its config changed,
    switched on again) is resumed: that is what its pause was waiting for."""
    kind_of(data.kind)
    if not data.slug:
        raise TrackerError("A channel needs a slug.", field="slug")
    channel = Channel.objects.select_for_update().filter(slug=data.slug).first()
    created = channel is None
    if channel is None:
        channel = Channel(slug=data.slug, kind=data.kind, name=data.name or data.slug)
    elif channel.kind != data.kind and Thread.objects.filter(channel=channel).exists():
        raise TrackerError(
            "The channel has threads, whose references belong to its kind: "
            "make a new channel instead of changing its kind.",
            field="kind",
        )
    config = clean_config(
        data.kind, data.config if data.config is not None else (channel.config or {})
    )
    secrets = {
        name: value for name, value in (channel.secrets or {}).items() if name in _names(data.kind)
    }
    for name, value in data.secrets.items():
        secrets[name] = clean_secret(data.kind, name, value)

    person_acted = bool(data.secrets) or config != channel.config
    if data.is_active is True and not channel.is_active:
        person_acted = True
    channel.kind = data.kind
    channel.name = data.name or channel.name
    channel.config = config
    channel.secrets = secrets
    if data.is_active is not None:
        channel.is_active = data.is_active
    if created:
        channel.save(force_insert=True)
        return channel, True
    fields = ["kind", "name", "config", "secrets", "is_active"]
    if person_acted and channel.is_paused:
        for name, value in PAUSE_CLEARED.items():
            setattr(channel, name, value)
        fields += list(PAUSE_CLEARED)
        wake_workers()
    channel.save(update_fields=fields)
    return channel, False


def channel_resume(*, channel_ids: list[int], by: User | None = None) -> int:
    """Re-arm paused channels: the worker delivers their notifications again at once, in
    order. Returns how many were paused. A channel whose trouble persists is paused again
    by its next failure, with the reason."""
    resumed = Channel.objects.filter(id__in=channel_ids, paused_at__isnull=False).update(
        **PAUSE_CLEARED
    )
    if resumed:
        wake_workers()
    return resumed


def _names(kind: str) -> tuple[str, ...]:
    return kind_of(kind).secrets
