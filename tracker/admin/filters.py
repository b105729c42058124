"""The backlog's list filters and search. Each narrows the requests with a
`FeatureRequestQuerySet` method, the same one the API's filters call.

Every filter value passes through `CheckedChangeList` first, which drops one that holds a
null character: no column holds one, and PostgreSQL refuses one in any text, so the list
would fail to load instead of being filtered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any, cast

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import User
from django.db.models import CharField, F, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, NullIf
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tracker.choices import OPEN_STATUSES, Criticality, Language, Plan, Status
from tracker.models import (
    PRODUCT_MANAGERS,
    Channel,
    FeatureRequest,
    FeatureRequestQuerySet,
    ProductArea,
)


class CheckedChangeList(ChangeList):
    """A changelist whose filters (list_filter's own and the plain field lookups it allows)
    never see a value holding a null character: the list answers as if it were not given."""

    def get_filters_params(self, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return {
            name: values
            for name, values in super().get_filters_params(params).items()
            if not any("\x00" in value for value in values)
        }


class CheckedFilters(admin.ModelAdmin):
    """A ModelAdmin whose list filters go through CheckedChangeList."""

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CheckedChangeList


def _requests(queryset: QuerySet[FeatureRequest]) -> FeatureRequestQuerySet:
    # The admin hands over the model's own queryset, typed as a plain QuerySet.
    return cast(FeatureRequestQuerySet, queryset)


class StatusFilter(admin.ListFilter):
    """Any set of statuses at once (`?status__in=under_review,accepted`, or `status__exact`
    for one). Without a choice the list is the work: open requests not merged into another,
    so a merged duplicate's frozen score never ranks among them."""

    title = _("status")
    parameters = ("status__in", "status__exact")

    def __init__(self, request: HttpRequest, params: dict[str, Any], model: Any, admin: Any):
        super().__init__(request, params, model, admin)
        given: list[str] = []
        for name in self.parameters:
            if name in params:
                # Django hands each parameter over as the list of its values.
                values = params.pop(name)
                self.used_parameters[name] = values
                given += [value for text in values for value in text.split(",")]
        # None: nothing chosen, the open work; an empty set: only unknown statuses given.
        self.chosen: set[str] | None = (
            {value for value in given if value in Status.values} if given else None
        )

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return list(self.parameters)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.chosen is None:
            return _requests(queryset).open().canonical()
        return queryset.filter(status__in=self.chosen)

    def choices(self, changelist: ChangeList) -> Iterator[Any]:
        shown = set(OPEN_STATUSES) if self.chosen is None else self.chosen
        yield {
            "selected": self.chosen is None,
            "query_string": changelist.get_query_string(remove=list(self.parameters)),
            "display": _("Open work"),
        }
        yield {
            "selected": self.chosen == set(Status.values),
            "query_string": self._query(changelist, set(Status.values)),
            "display": _("Everything"),
        }
        # Each status toggles in or out of the statuses shown.
        for value, label in Status.choices:
            yield {
                "selected": value in shown,
                "query_string": self._query(changelist, shown ^ {value}),
                "display": label,
            }

    def _query(self, changelist: ChangeList, statuses: set[str]) -> str:
        if not statuses:
            return changelist.get_query_string(remove=list(self.parameters))
        ordered = ",".join(value for value in Status.values if value in statuses)
        return changelist.get_query_string({"status__in": ordered}, remove=list(self.parameters))


class _RequestFilter(admin.SimpleListFilter):
    """A backlog filter whose chosen value narrows the requests with `narrow`."""

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet | None:
        value = self.value()
        if not value:
            return None
        return self.narrow(_requests(queryset), value)

    def narrow(self, requests: FeatureRequestQuerySet, value: str) -> FeatureRequestQuerySet:
        raise NotImplementedError


class _ThreadFilter(_RequestFilter):
    lookup: str

    def narrow(self, requests: FeatureRequestQuerySet, value: str) -> FeatureRequestQuerySet:
        return requests.raised_where(**{self.lookup: value})


def _choices(request: HttpRequest, kind: str) -> list[tuple[str, str]]:
    """The choices of the channel, area and owner filters, read in one query per page (a
    UNION) rather than one each, and kept on the request for the other two."""
    loaded: dict[str, list[tuple[str, str]]] | None = getattr(request, "_backlog_choices", None)
    if loaded is None:
        loaded = {"channel": [], "area": [], "owner": []}
        text: CharField[str, str] = CharField()
        # An area is named in the user's language when it has a name in it (ProductArea.name_in).
        language = (get_language() or "en")[:2]
        area_name: Any = F("name")
        if language in ("ru", "ja"):
            area_name = Coalesce(NullIf(F(f"name_{language}"), Value("")), F("name"))
        parts = [
            Channel.objects.annotate(
                choice_of=Value("channel"), key=F("slug"), label=F("name"), sort=F("slug")
            ),
            ProductArea.objects.annotate(
                choice_of=Value("area"), key=Cast("id", text), label=area_name, sort=area_name
            ),
            User.objects.filter(groups__name=PRODUCT_MANAGERS).annotate(
                choice_of=Value("owner"),
                key=Cast("id", text),
                label=F("username"),
                sort=F("username"),
            ),
        ]
        rows = [part.order_by().values_list("choice_of", "key", "label", "sort") for part in parts]
        for kind_, key, label, _sort in rows[0].union(*rows[1:], all=True).order_by("sort"):
            loaded[kind_].append((key, label))
        request._backlog_choices = loaded  # type: ignore[attr-defined]
    return loaded[kind]


class ChannelFilter(_ThreadFilter):
    title = _("channel")
    parameter_name = "channel"
    lookup = "channel__slug"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return _choices(request, "channel")


class AreaFilter(_RequestFilter):
    title = _("product area")
    parameter_name = "area"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        areas = _choices(request, "area")
        return [*areas, ("none", _("No area"))]

    def narrow(self, requests: FeatureRequestQuerySet, value: str) -> FeatureRequestQuerySet:
        if value == "none":
            return requests.filter(area__isnull=True)
        return requests.filter(area_id=int(value)) if value.isdecimal() else requests.none()


class OwnerFilter(_RequestFilter):
    title = _("owner")
    parameter_name = "owner"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [*_choices(request, "owner"), ("none", _("Nobody"))]

    def narrow(self, requests: FeatureRequestQuerySet, value: str) -> FeatureRequestQuerySet:
        if value == "none":
            return requests.filter(owner__isnull=True)
        return requests.filter(owner_id=int(value)) if value.isdecimal() else requests.none()


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


class CriticalityFilter(_RequestFilter):
    """The effective criticality: product managers' own, else the customers' highest."""

    title = _("criticality")
    parameter_name = "criticality"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(Criticality.choices)

    def narrow(self, requests: FeatureRequestQuerySet, value: str) -> FeatureRequestQuerySet:
        return requests.with_effective_criticality(value)


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
