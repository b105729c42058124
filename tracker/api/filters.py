from __future__ import annotations

from django.contrib.auth.models import User
from django_filters import rest_framework as filters  # type: ignore[import-untyped]

from tracker.choices import Criticality, Kind, Language, Priority, Status
from tracker.limits import CHANNEL_SLUG_MAX, EXTERNAL_ID_MAX, SEARCH_TERM_MAX
from tracker.models import PRODUCT_MANAGERS, FeatureRequest, FeatureRequestQuerySet, ProductArea


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
        method="filter_account", max_length=EXTERNAL_ID_MAX, help_text="An account's external_id."
    )
    channel = filters.CharFilter(
        method="filter_channel", max_length=CHANNEL_SLUG_MAX, help_text="A slug."
    )
    language = filters.ChoiceFilter(
        choices=Language.choices, method="filter_language", help_text="A thread language."
    )
    area = filters.ModelChoiceFilter(
        queryset=ProductArea.objects.all(), help_text="A product area's id."
    )
    owner = filters.ModelChoiceFilter(
        queryset=User.objects.filter(groups__name=PRODUCT_MANAGERS),
        help_text="The owning product manager's user id.",
    )
    raised_since = filters.IsoDateTimeFilter(
        field_name="last_raised_at", lookup_expr="gte", help_text="Last raised at or after."
    )
    q = filters.CharFilter(
        method="filter_text",
        max_length=SEARCH_TERM_MAX,
        help_text=(
            "A number (1042 or #1042), or text in the title, the description or the words "
            "of a customer who raised it."
        ),
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

    # Each filter is one FeatureRequestQuerySet method, the same the admin's filters call.

    def filter_criticality(
        self, queryset: FeatureRequestQuerySet, name: str, value: list[str]
    ) -> FeatureRequestQuerySet:
        if not value:
            return queryset
        return queryset.with_effective_criticality(*value)

    def filter_account(
        self, queryset: FeatureRequestQuerySet, name: str, value: str
    ) -> FeatureRequestQuerySet:
        return queryset.raised_where(account__external_id=value)

    def filter_channel(
        self, queryset: FeatureRequestQuerySet, name: str, value: str
    ) -> FeatureRequestQuerySet:
        return queryset.raised_where(channel__slug=value)

    def filter_language(
        self, queryset: FeatureRequestQuerySet, name: str, value: str
    ) -> FeatureRequestQuerySet:
        return queryset.raised_where(language=value)

    def filter_text(
        self, queryset: FeatureRequestQuerySet, name: str, value: str
    ) -> FeatureRequestQuerySet:
        return queryset.search(value)
