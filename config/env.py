"""The one place settings are read from the environment."""

import os
from collections.abc import Callable
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

_MISSING = object()
_Number = TypeVar("_Number", int, float)


def env(name: str, default: str | object = _MISSING) -> str:
    value = os.environ.get(name)
    if value is not None:
        return value
    if default is _MISSING:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return str(default)


def env_bool(name: str, default: bool) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ImproperlyConfigured(f"{name} must be 0 or 1, not {value!r}.")


def env_int(name: str, default: int) -> int:
    return _number(name, default, int, "an integer")


def env_float(name: str, default: float) -> float:
    return _number(name, default, float, "a number")


def _number(name: str, default: _Number, kind: Callable[[str], _Number], what: str) -> _Number:
    value = env(name, str(default))
    try:
        return kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}.") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_weights(name: str, default: str) -> dict[str, float]:
    """Read `key=number,key=number` pairs, e.g. `free=0.5,professional=2`."""
    weights: dict[str, float] = {}
    for item in env_list(name, default):
        key, sep, number = item.partition("=")
        try:
            if not sep:
                raise ValueError
            weights[key.strip()] = float(number)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must look like 'name=number,name=number', not {item!r}."
            ) from None
    return weights
