"""The outbox in the admin: what each thread was told, and what is stuck.

Rows are written by the services and delivered by the worker; nobody adds or edits one by
hand. Failed notifications hold their thread (a thread never hears a later event before an
earlier one) until someone retries them with the action, which goes through the service.
A request's page links here with `?request__number__exact=<number>`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from tracker.admin.filters import CheckedFilters
from tracker.choices import DeliveryState
from tracker.models import Notification
from tracker.notifications.messages import render
from tracker.services import notification_retry

# What a request's page links to, besides the filters listed in `list_filter`.
EXTRA_LOOKUPS = frozenset({"request__number__exact", "request__number", "thread__id__exact"})


@admin.register(Notification)
class NotificationAdmin(CheckedFilters):
    list_display = [
        "id",
        "request_number",
        "event",
        "status",
        "thread_label",
        "language",
        "state",
        "attempts",
        "short_error",
        "next_attempt_at",
        "delivered_at",
    ]
    list_display_links = ["id"]
    list_filter = ["state", "event", "thread__channel", "thread__language"]
    search_fields = ["=request__number", "=thread__ref"]
    list_select_related = ["thread__channel", "request"]
    ordering = ["-id"]
    actions = ["retry"]
    readonly_fields = [
        "request",
        "thread_label",
        "language",
        "event",
        "status",
        "reason",
        "merged_from",
        "public_note",
        "message",
        "state",
        "attempts",
        "last_error",
        "next_attempt_at",
        "leased_until",
        "created_at",
        "delivered_at",
    ]
    fields = tuple(readonly_fields)
    show_full_result_count = False

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        return lookup in EXTRA_LOOKUPS or super().lookup_allowed(lookup, value, request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_retry_permission(self, request: HttpRequest) -> bool:
        user = request.user
        return user.has_perm("tracker.change_notification") or user.has_perm(
            "tracker.decide_featurerequest"
        )

    @admin.display(description=_("request"), ordering="request_id")
    def request_number(self, obj: Notification) -> str:
        return f"#{obj.request_id}"

    @admin.display(description=_("thread"), ordering="thread_id")
    def thread_label(self, obj: Notification) -> str:
        return f"{obj.thread.channel.slug}:{obj.thread.ref}"

    @admin.display(description=_("language"))
    def language(self, obj: Notification) -> str:
        return obj.thread.language

    @admin.display(description=_("last error"))
    def short_error(self, obj: Notification) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.display(description=_("message"))
    def message(self, obj: Notification) -> SafeString:
        return format_html('<div style="white-space: pre-wrap">{}</div>', render(obj))

    @admin.action(description=_("Retry the selected failed notifications"), permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Notification]) -> None:
        ids = list(queryset.filter(state=DeliveryState.FAILED).values_list("id", flat=True))
        count = notification_retry(ids=ids)
        skipped = queryset.count() - count
        self.message_user(
            request,
            _("%(count)d notification(s) will be delivered again.") % {"count": count},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                _("%(count)d selected notification(s) had not failed and were left alone.")
                % {"count": skipped},
                messages.WARNING,
            )
