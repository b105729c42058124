"""The ranked backlog's list, and the ModelAdmin that brings the backlog's pages together."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tracker.admin.checkbox import ActionCheckbox
from tracker.admin.duplicates import DuplicatesQueue
from tracker.admin.filters import (
    AreaFilter,
    ChannelFilter,
    CheckedFilters,
    CriticalityFilter,
    LanguageFilter,
    OwnerFilter,
    PlanFilter,
    RaisedRecentlyFilter,
    StatusFilter,
)
from tracker.admin.requests.decisions import DecisionPages
from tracker.admin.requests.export import CsvExport
from tracker.admin.requests.intake import LoggingPages
from tracker.admin.requests.request_page import RequestPage
from tracker.admin.rising import RisingPage
from tracker.choices import Criticality, Priority
from tracker.models import FeatureRequest, FeatureRequestQuerySet, ProductArea
from tracker.pagination import LargeTablePaginator
from tracker.selectors import ranked_backlog


@admin.register(FeatureRequest)
class FeatureRequestAdmin(
    ActionCheckbox,
    CheckedFilters,
    DecisionPages,
    LoggingPages,
    RequestPage,
    CsvExport,
    DuplicatesQueue,
    RisingPage,
):
    list_display = [
        "number",
        "title",
        "status",
        "kind",
        "why",
        "score",
        "last_raised",
    ]
    list_display_links = ["number", "title"]
    list_filter = [
        StatusFilter,
        "kind",
        CriticalityFilter,
        "priority",
        ChannelFilter,
        LanguageFilter,
        PlanFilter,
        RaisedRecentlyFilter,
        AreaFilter,
        OwnerFilter,
    ]
    # The search itself is get_search_results(); a search field makes the admin show the box.
    search_fields = ["title"]
    search_help_text = _("Number, title, description or the customers' own words.")
    ordering = ["-score", "number"]
    sortable_by = ["number", "why", "score", "last_raised_at"]
    list_per_page = 100
    paginator = LargeTablePaginator
    show_full_result_count = False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("decide/merge/", view(self.merge_view), name="tracker_featurerequest_merge"),
            path(
                "decide/<slug:slug>/",
                view(self.decision_view),
                name="tracker_featurerequest_decide",
            ),
            path("export.csv", view(self.export_view), name="tracker_featurerequest_export"),
            path(
                "duplicates/",
                view(self.duplicates_view),
                name="tracker_featurerequest_duplicates",
            ),
            path("rising/", view(self.rising_view), name="tracker_featurerequest_rising"),
            path(
                "<path:object_id>/mention/",
                view(self.mention_view),
                name="tracker_featurerequest_mention",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeatureRequest]:
        return ranked_backlog()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # Number, title, description and the customers' words, each an EXISTS, never a
        # join: a request raised in many threads stays one row, so no duplicates to drop.
        return cast(FeatureRequestQuerySet, queryset).search(search_term), False

    # The header is the cell's legend: the score's three parts, as docs/ranking.md has them.
    @admin.display(
        description=_("Customer count (×weight) · Criticality · Priority"),
        ordering="customer_count",
    )
    def why(self, obj: FeatureRequest) -> SafeString:
        return score_parts(obj)

    @admin.display(description=_("criticality"))
    def criticality_shown(self, obj: FeatureRequest) -> str:
        label = str(Criticality(obj.effective_criticality).label)
        return label if not obj.criticality else gettext("%(level)s (set)") % {"level": label}

    @admin.display(description=_("last raised"), ordering="last_raised_at")
    def last_raised(self, obj: FeatureRequest) -> str:
        return obj.last_raised_at.date().isoformat() if obj.last_raised_at else "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Customers were told the number; a request is declined or merged, never deleted.
        return False


def score_parts(obj: FeatureRequest) -> SafeString:
    """Why a request ranks where it does, in a few words: its customers and their average
    plan weight, its effective criticality (marked when product managers set it), its
    priority. E.g. "12 customers (×1.5) · High · P1". Each part is kept on one line."""
    count = obj.customer_count
    weight = round(obj.demand_weight / count, 1) if count else 0
    customers = ngettext(
        "%(count)d customer (×%(weight)s)", "%(count)d customers (×%(weight)s)", count
    ) % {"count": count, "weight": f"{weight:g}"}
    level = str(Criticality(obj.effective_criticality).label)
    if obj.criticality:
        level = gettext("%(level)s (set)") % {"level": level}
    priority = gettext("no priority") if obj.priority == Priority.NONE else obj.priority.upper()
    return format_html(
        gettext("{customers} · {criticality} · {priority}"),
        customers=format_html("<span>{}</span>", customers),
        criticality=format_html("<span>{}</span>", level),
        priority=format_html("<span>{}</span>", priority),
    )


@admin.register(ProductArea)
class ProductAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "name_ru", "name_ja"]
    search_fields = ["name", "name_ru", "name_ja"]
