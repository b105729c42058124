"""Rendered status pages, kept in the default cache and refreshed when the request changes.

The cache key carries a fingerprint of every request field the page shows, read with one
primary-key query; any change through the services (a status change, a merge, a new
customer) gives a new key, so nothing has to be invalidated by hand and every web process
sees the change at once. The history's public notes only change with a status change, which
moves `status_changed_at`. A timeout bounds what an edit outside the services could leave.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from tracker.models import FeatureRequest

_KEY_VERSION = 1


@dataclass(frozen=True)
class Version:
    number: int
    merged_into: int | None
    fingerprint: str


def version(*, number: int) -> Version | None:
    """The current version of request `number`'s public page, or None if there is none."""
    row = (
        FeatureRequest.objects.filter(number=number)
        .values_list("status", "status_changed_at", "customer_count", "title", "duplicate_of")
        .first()
    )
    if row is None:
        return None
    status, changed_at, customer_count, title, merged_into = row
    digest = hashlib.blake2b(
        f"{status}|{changed_at.isoformat()}|{customer_count}|{title}".encode(), digest_size=12
    ).hexdigest()
    return Version(number=number, merged_into=merged_into, fingerprint=digest)


def cache_key(*, version: Version, language: str, merged_from: int | None) -> str:
    return (
        f"status_page:html:{_KEY_VERSION}:{version.number}:{language}:"
        f"{merged_from or 0}:{version.fingerprint}"
    )


def cached(key: str) -> str | None:
    html = cache.get(key)
    return html if isinstance(html, str) else None


def remember(key: str, html: str) -> None:
    cache.set(key, html, timeout=settings.STATUS_PAGE_CACHE_SECONDS)
