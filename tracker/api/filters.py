from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django_filters import rest_framework as filters  # type: ignore[import-untyped]

from tracker.choices import Criticality, Kind, Language, Priority, Status
from tracker.models import FeatureRequest, Mention


def _raised_by(**lookups: str) -> Exists:
    """A request counts as raised by whatever raised it or a request merged into it."""
    return Exists(
        Mention.objects.filter(
            Q(request_id=OuterRef("number")) | Q(request__duplicate_of_id=OuterRef("number")),
            **lookups,
        )
    )


class RequestFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    kind = filters.ChoiceFilter(choices=Kind.choices)
    criticality = filters.MultipleChoiceFilter(
        choices=Criticality.choices,
        method="filter_criticality",
        help_text="The effective criticality: product managers' setting, else customers' highest.",
    )
    priority = filters.MultipleChoiceFilter(choices=Priority.choices, distinct=False)
    account = filters.CharFilter(
        method="filter_account", max_length=255, help_text="An account's external_id."
    )
    channel = filters.CharFilter(method="filter_channel", max_length=64, help_text="A slug.")
    language = filters.ChoiceFilter(
        choices=Language.choices, method="filter_language", help_text="A thread language."
    )
    raised_since = filters.IsoDateTimeFilter(
        field_name="last_raised_at", lookup_expr="gte", help_text="Last raised at or after."
    )
    q = filters.CharFilter(
        method="filter_text", max_length=200, help_text="Text in the title or description."
    )
    ordering = filters.OrderingFilter(
        fields=(
            ("score", "score"),
            ("number", "number"),
            ("customer_count", "customer_count"),
            ("last_raised_at", "last_raised_at"),
            ("created_at", "created_at"),
            ("status_changed_at", "status_changed_at"),
        ),
        help_text="Default: by score, best first.",
    )

    class Meta:
        model = FeatureRequest
        fields: list[str] = []

    def filter_criticality(
        self, queryset: QuerySet[FeatureRequest], name: str, value: list[str]
    ) -> QuerySet[FeatureRequest]:
        if not value:
            return queryset
        return queryset.alias(
            effective=Coalesce(NullIf("criticality", Value("")), "mention_criticality")
        ).filter(effective__in=value)

    def filter_account(
        self, queryset: QuerySet[FeatureRequest], name: str, value: str
    ) -> QuerySet[FeatureRequest]:
        return queryset.filter(_raised_by(thread__account__external_id=value))

    def filter_channel(
        self, queryset: QuerySet[FeatureRequest], name: str, value: str
    ) -> QuerySet[FeatureRequest]:
        return queryset.filter(_raised_by(thread__channel__slug=value))

    def filter_language(
        self, queryset: QuerySet[FeatureRequest], name: str, value: str
    ) -> QuerySet[FeatureRequest]:
        return queryset.filter(_raised_by(thread__language=value))

    def filter_text(
        self, queryset: QuerySet[FeatureRequest], name: str, value: str
    ) -> QuerySet[FeatureRequest]:
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))
