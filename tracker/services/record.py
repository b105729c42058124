"""The decision log: every service that decides something puts on record, in its own
transaction, who changed which value from what to what."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.contrib.auth.models import User
from django.utils import timezone

from tracker.models import Account, Decision, FeatureRequest

# A value as the log keeps it: text; a request's number; the numbers of several; none.
Value = str | int | Iterable[int] | None


def record_decision(
    *,
    kind: str,
    by: User | None,
    changes: Mapping[str, tuple[Value, Value]],
    request: FeatureRequest | None = None,
    account: Account | None = None,
) -> None:
    """One row for each value in `changes` (field: (old, new)) that the decision changed;
    a value set to what it was already changed nothing and leaves no row."""
    at = timezone.now()
    rows = [
        Decision(
            request=request,
            account=account,
            kind=kind,
            field=field,
            old=_as_text(old),
            new=_as_text(new),
            by=by,
            at=at,
        )
        for field, (old, new) in changes.items()
        if _as_text(old) != _as_text(new)
    ]
    Decision.objects.bulk_create(rows)


def _as_text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    return ",".join(str(number) for number in sorted(value))
