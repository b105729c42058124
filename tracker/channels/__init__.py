"""Delivery channels: one small module per kind of place a thread lives in.

Every module declares a `KIND` (`tracker.channels.base.Kind`): `send(message, *, timeout)`,
which posts one message into one thread or raises `DeliveryError` (or `ChannelDown`,
`RateLimited`, `NeedsPerson`, which say the channel as a whole is in trouble); the names
of its secrets; its config keys; and what a thread reference in it looks like. `KINDS`
maps a `ChannelKind` to it; adding a channel touches no other channel.

Configuration is checked here when it is entered (admin, `channel_setup`, intake), so
that a mistake is refused at once with the field that is wrong, not found by the worker.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tracker.channels import bitrix24, email, log, slack, webhook
from tracker.channels.base import (
    ChannelDown,
    DeliveryError,
    Kind,
    NeedsPerson,
    Outgoing,
    RateLimited,
    Setting,
    Unreachable,
)
from tracker.choices import ChannelKind, Language
from tracker.errors import TrackerError
from tracker.models import Channel

KINDS: dict[str, Kind] = {
    ChannelKind.WEBHOOK: webhook.KIND,
    ChannelKind.BITRIX24: bitrix24.KIND,
    ChannelKind.SLACK: slack.KIND,
    ChannelKind.EMAIL: email.KIND,
    ChannelKind.LOG: log.KIND,
}

Sender = Callable[..., None]
SENDERS: dict[str, Sender] = {kind: spec.send for kind, spec in KINDS.items()}


def _language(value: object) -> str | None:
    if value not in Language.values:
        return "One of " + ", ".join(Language.values) + "."
    return None


# Settings every kind of channel takes.
COMMON_CONFIG: dict[str, Setting] = {
    "default_language": Setting(
        "The language of a new thread whose first words have no letters to tell it by "
        "(en, ru or ja; en when unset).",
        check=_language,
    ),
}

# Every secret name any kind takes, in a stable order (the admin form has one input each).
SECRET_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(name for spec in KINDS.values() for name in spec.secrets)
)


def kind_of(kind: str) -> Kind:
    spec = KINDS.get(kind)
    if spec is None:
        raise TrackerError(
            f"Unknown channel kind {kind!r}; use one of {', '.join(KINDS)}.", field="kind"
        )
    return spec


def send(message: Outgoing, *, timeout: float) -> None:
    """Post `message` into its thread through the thread's channel."""
    spec = KINDS.get(message.channel.kind)
    if spec is None:
        raise NeedsPerson(f"Channel kind {message.channel.kind!r} has no sender.")
    spec.send(message, timeout=timeout)


def check_thread_ref(channel: Channel, ref: str) -> None:
    """Refuse a thread reference that cannot be valid in `channel`'s kind (a Message-ID
    for email, a thread_ts for Slack, a dialog id for Bitrix24): its notifications would
    fail for ever."""
    spec = KINDS.get(channel.kind)
    problem = spec.check_ref(ref) if spec else None
    if problem:
        raise TrackerError(problem, field="thread.ref")


def clean_config(kind: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """The config of a `kind` channel, checked: known keys only, the right types, every
    required key, each value checked. Raises TrackerError naming `config.<key>`."""
    spec = kind_of(kind)
    if not isinstance(config, Mapping):
        raise TrackerError("The config is an object of settings.", field="config")
    cleaned: dict[str, Any] = {}
    for key, value in config.items():
        setting = spec.config.get(key) or COMMON_CONFIG.get(key)
        if setting is None:
            known = ", ".join([*spec.config, *COMMON_CONFIG])
            raise TrackerError(
                f"A {kind} channel has no setting {key!r} (settings: {known}); "
                "secrets go into the channel's secrets.",
                field=f"config.{key}",
            )
        if value is None or value == "":
            continue
        cleaned[key] = _typed(setting, key, value)
    for key, setting in spec.config.items():
        if setting.required and key not in cleaned:
            raise TrackerError(
                f"A {kind} channel needs {key!r}: {setting.help}", field=f"config.{key}"
            )
    problem = spec.check_config(cleaned) if spec.check_config else None
    if problem:
        key, message = problem
        raise TrackerError(message, field=f"config.{key}")
    return cleaned


def parse_setting(kind: str, key: str, text: str) -> Any:
    """A config value given as text (the command line) in its setting's type."""
    setting = kind_of(kind).config.get(key) or COMMON_CONFIG.get(key)
    if setting is None or setting.type is str:
        return text
    if setting.type is bool:
        lowered = text.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise TrackerError(f"{key} is true or false, not {text!r}.", field=f"config.{key}")
    try:
        return setting.type(text)
    except ValueError:
        raise TrackerError(
            f"{key} must be a number, not {text!r}.", field=f"config.{key}"
        ) from None


def clean_secret(kind: str, name: str, value: str) -> str:
    """A secret for a `kind` channel, checked. The error never quotes the value."""
    spec = kind_of(kind)
    if name not in spec.secrets:
        names = ", ".join(spec.secrets) or "none"
        raise TrackerError(
            f"A {kind} channel takes no secret {name!r} (its secrets: {names}).",
            field=f"secrets.{name}",
        )
    problem = spec.check_secret(name, value)
    if problem:
        raise TrackerError(problem, field=f"secrets.{name}")
    return value


def _typed(setting: Setting, key: str, value: Any) -> Any:
    if setting.type is bool and not isinstance(value, bool):
        raise TrackerError(f"{key} is true or false.", field=f"config.{key}")
    if setting.type is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise TrackerError(f"{key} is a whole number.", field=f"config.{key}")
    if setting.type is str and not isinstance(value, str):
        raise TrackerError(f"{key} is text.", field=f"config.{key}")
    problem = setting.check(value) if setting.check else None
    if problem:
        raise TrackerError(problem, field=f"config.{key}")
    return value


__all__ = [
    "KINDS",
    "SECRET_NAMES",
    "SENDERS",
    "ChannelDown",
    "DeliveryError",
    "NeedsPerson",
    "Outgoing",
    "RateLimited",
    "Unreachable",
    "check_thread_ref",
    "clean_config",
    "clean_secret",
    "parse_setting",
    "send",
]
