"""The outbox in the admin: what each thread was told, and what is stuck.

Rows are written by the services and delivered by the worker; nobody adds or edits one by
hand. Failed notifications hold their thread (a thread never hears a later event before an
earlier one) until someone retries them, or cancels them with a reason; both actions go
through the services. Paused channels and failed notifications are announced at the top
of the admin index, the outbox and the channels' pages, so nothing waits silently.
A request's page links here with `?request__number__exact=<number>`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from tracker.admin.checkbox import ActionCheckbox
from tracker.admin.filters import CheckedFilters
from tracker.choices import DeliveryState
from tracker.models import Channel, Notification
from tracker.notifications.health import outbox_health
from tracker.notifications.messages import render
from tracker.services import notification_cancel, notification_retry

# What a request's page links to, besides the filters listed in `list_filter`.
EXTRA_LOOKUPS = frozenset({"request__number__exact", "request__number", "thread__id__exact"})

# The admin index opens with the outbox's alerts (tracker/templatetags/outbox_admin.py).
admin.site.index_template = "admin/tracker/index.html"


def can_resume(request: HttpRequest) -> bool:
    """Who may re-arm channels, retry and cancel notifications: operators (who may change
    channels or notifications) and product managers."""
    user = request.user
    return (
        user.has_perm("tracker.change_channel")
        or user.has_perm("tracker.change_notification")
        or user.has_perm("tracker.decide_featurerequest")
    )


def channel_state_html(channel: Channel) -> SafeString:
    if channel.needs_person:
        return format_html(
            '<strong style="color: #ba2121">{}</strong> {}',
            _("Paused until a person resumes it:"),
            channel.pause_reason,
        )
    if channel.is_paused:
        return format_html(
            '<strong style="color: #c27c00">{}</strong> {}',
            _("Paused by an outage, probed until it answers:"),
            channel.pause_reason,
        )
    if not channel.is_active:
        return format_html("{}", _("Switched off"))
    return format_html("{}", _("Delivering"))


def announce_outbox(request: HttpRequest) -> None:
    """Put what needs a person at the top of the page being shown."""
    for problem in outbox_health().problems():
        messages.warning(request, problem)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Why can these notifications never be delivered?"),
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        max_length=1000,
    )


@admin.register(Notification)
class NotificationAdmin(ActionCheckbox, CheckedFilters):
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
    actions = ["retry", "cancel"]
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
        "cancel_reason",
        "cancelled_by",
        "cancelled_at",
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
        return can_resume(request)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if request.method == "GET":
            announce_outbox(request)
        return super().changelist_view(request, extra_context)

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

    @admin.action(
        description=_("Cancel the selected notifications, with a reason"), permissions=["retry"]
    )
    def cancel(self, request: HttpRequest, queryset: QuerySet[Notification]) -> HttpResponse | None:
        form = CancelForm(request.POST if "confirm" in request.POST else None)
        if form.is_valid():
            user = request.user if request.user.is_authenticated else None
            count = notification_cancel(
                ids=list(queryset.values_list("id", flat=True)),
                reason=form.cleaned_data["reason"],
                by=user,
            )
            self.message_user(
                request,
                _("%(count)d notification(s) cancelled; their threads hear what follows.")
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel notifications"),
            "opts": self.model._meta,
            "form": form,
            "notifications": queryset.select_related("thread__channel")[:100],
            "selected": list(queryset.values_list("id", flat=True)),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "changelist_url": reverse("admin:tracker_notification_changelist"),
        }
        return TemplateResponse(request, "admin/tracker/notification/cancel.html", context)
