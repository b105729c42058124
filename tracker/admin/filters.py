"""The backlog's filters and search. Filters on what customers said (channel, language,
plan) are EXISTS subqueries over the mentions of a request and of the requests merged into
it, so that a request raised in ten threads is still one row."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.choices import Criticality, Language, Plan
from tracker.models import Channel, FeatureRequest, Mention


def raised_where(queryset: QuerySet[FeatureRequest], **thread_lookups: Any) -> QuerySet:
    """Requests that a thread matching `thread_lookups` raised, directly or through a
    request merged into them."""
    thread_q = Q(**{f"thread__{key}": value for key, value in thread_lookups.items()})
    direct = Exists(Mention.objects.filter(thread_q, request_id=OuterRef("number")))
    # Merges are one level deep and rare, so the survivors found through their duplicates
    # are a short list fetched first. OR-ing a second EXISTS instead would stop PostgreSQL
    # from walking the ranking index with a semi-join and make it hash every mention.
    survivors = set(
        Mention.objects.filter(thread_q, request__duplicate_of__isnull=False)
        .values_list("request__duplicate_of_id", flat=True)
        .distinct()
    )
    if not survivors:
        return queryset.filter(direct)
    return queryset.filter(direct | Q(number__in=survivors))


def search_backlog(queryset: QuerySet[FeatureRequest], term: str) -> QuerySet:
    """By number ("1042" or "#1042"), title, description, or the customers' own words."""
    term = term.strip()
    if not term:
        return queryset
    words = Mention.objects.filter(quote__icontains=term)
    survivors = set(
        words.filter(request__duplicate_of__isnull=False)
        .values_list("request__duplicate_of_id", flat=True)
        .distinct()
    )
    q = (
        Q(title__icontains=term)
        | Q(description__icontains=term)
        | Exists(words.filter(request_id=OuterRef("number")))
        | Q(number__in=survivors)
    )
    digits = term.removeprefix("#")
    if digits.isdigit() and len(digits) < 19:
        q |= Q(number=int(digits))
    return queryset.filter(q)


class _ThreadFilter(admin.SimpleListFilter):
    lookup: str

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if not value:
            return None
        return raised_where(queryset, **{self.lookup: value})


class ChannelFilter(_ThreadFilter):
    title = _("channel")
    parameter_name = "channel"
    lookup = "channel__slug"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(Channel.objects.order_by("slug").values_list("slug", "name"))


class LanguageFilter(_ThreadFilter):
    title = _("language")
    parameter_name = "language"
    lookup = "language"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(Language.choices)


class PlanFilter(_ThreadFilter):
    title = _("customer plan")
    parameter_name = "plan"
    lookup = "account__plan"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Plan.choices)


class CriticalityFilter(admin.SimpleListFilter):
    """The effective criticality: product managers' own, else the customers' highest."""

    title = _("criticality")
    parameter_name = "criticality"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Criticality.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if not value:
            return None
        return queryset.filter(Q(criticality=value) | Q(criticality="", mention_criticality=value))


class RaisedRecentlyFilter(admin.SimpleListFilter):
    title = _("last raised")
    parameter_name = "raised"
    days = 30

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("30d", _("In the last 30 days"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        if self.value() != "30d":
            return None
        return queryset.filter(last_raised_at__gte=timezone.now() - timedelta(days=self.days))
