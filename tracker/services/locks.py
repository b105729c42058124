"""Every row lock the services take, each written once.

A service that locks several requests takes them in ascending number order, in one place
here, so that two services locking the same requests cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from tracker.errors import NotFound
from tracker.models import Channel, FeatureRequest, Thread


def missing_request(number: int, *, field: str) -> NotFound:
    return NotFound(f"There is no request {number}.", field=field)


def lock_request(number: int, *, field: str = "number") -> FeatureRequest:
    """Lock request `number`; NotFound names `field` as the input at fault."""
    try:
        return FeatureRequest.objects.select_for_update().get(number=number)
    except FeatureRequest.DoesNotExist:
        raise missing_request(number, field=field) from None


def lock_canonical(number: int) -> FeatureRequest:
    """Lock the request that `number` is tracked under now (itself, or its survivor)."""
    request = lock_request(number, field="request_number")
    while request.duplicate_of_id is not None:
        request = lock_request(request.duplicate_of_id, field="request_number")
    return request


def lock_requests(fields: Mapping[int, str]) -> dict[int, FeatureRequest]:
    """Lock each request numbered in `fields`, in number order; a missing one is NotFound
    naming its field."""
    return {number: lock_request(number, field=fields[number]) for number in sorted(fields)}


def lock_canonical_requests(numbers: Iterable[int]) -> dict[int, FeatureRequest]:
    """Lock those of these requests that are not merged into another, in number order, in
    one statement; the others and the missing are left out."""
    return {
        request.number: request
        for request in FeatureRequest.objects.select_for_update()
        .filter(number__in=list(numbers), duplicate_of__isnull=True)
        .order_by("number")
    }


def lock_thread(*, channel: Channel, ref: str) -> Thread:
    """Lock the thread `ref` of `channel` (its row only): work on one thread is serialized,
    so two identical intakes at once leave one mention."""
    return Thread.objects.select_for_update().get(channel=channel, ref=ref)
