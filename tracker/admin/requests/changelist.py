"""The ranked backlog's list, and the ModelAdmin that brings the backlog's pages together."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from tracker.admin.duplicates import DuplicatesQueue
from tracker.admin.filters import (
    ChannelFilter,
    CriticalityFilter,
    LanguageFilter,
    PlanFilter,
    RaisedRecentlyFilter,
)
from tracker.admin.requests.decisions import DecisionPages
from tracker.admin.requests.export import CsvExport
from tracker.admin.requests.intake import LoggingPages
from tracker.admin.requests.request_page import RequestPage
from tracker.choices import Criticality
from tracker.models import FeatureRequest, FeatureRequestQuerySet
from tracker.pagination import LargeTablePaginator
from tracker.selectors import ranked_backlog


@admin.register(FeatureRequest)
class FeatureRequestAdmin(DecisionPages, LoggingPages, RequestPage, CsvExport, DuplicatesQueue):
    list_display = [
        "number",
        "title",
        "status",
        "kind",
        "customer_count",
        "criticality_shown",
        "priority",
        "score",
        "last_raised",
    ]
    list_display_links = ["number", "title"]
    list_filter = [
        "status",
        "kind",
        CriticalityFilter,
        "priority",
        ChannelFilter,
        LanguageFilter,
        PlanFilter,
        RaisedRecentlyFilter,
    ]
    # The search itself is get_search_results(); a search field makes the admin show the box.
    search_fields = ["title"]
    search_help_text = _("Number, title, description or the customers' own words.")
    ordering = ["-score", "number"]
    sortable_by = ["number", "customer_count", "score", "last_raised_at"]
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

    @admin.display(description=_("criticality"))
    def criticality_shown(self, obj: FeatureRequest) -> str:
        label = str(Criticality(obj.effective_criticality).label)
        return label if not obj.criticality else f"{label} (set)"

    @admin.display(description=_("last raised"), ordering="last_raised_at")
    def last_raised(self, obj: FeatureRequest) -> str:
        return obj.last_raised_at.date().isoformat() if obj.last_raised_at else "—"

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Customers were told the number; a request is declined or merged, never deleted.
        return False
