"""Public texts per language in the admin: the versions, drafts to review, and the list of
texts that lack a language."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tracker.admin.forms import shown
from tracker.admin.note_audience import LANGUAGE_NAMES
from tracker.admin.requests.pages import acting_user
from tracker.choices import TextKind
from tracker.errors import TrackerError
from tracker.models import FeatureRequest, PublicText, StatusChange
from tracker.selectors import texts_lacking_a_language
from tracker.services.checks import refuse_date_phrase
from tracker.services.public_text import public_text_edit_draft, public_text_publish
from tracker.translation import LibreTranslate
from tracker.translation.drafts import draft_missing

# --- the list of public texts, drafts to review, and what lacks a language ------------------


class DraftForm(forms.ModelForm):
    """A draft corrected before it is published: the deadline guard reads it too."""

    class Meta:
        model = PublicText
        fields = ["text"]

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        try:
            refuse_date_phrase(
                text,
                what="The text",
                field="text",
                sentences=self.instance.kind != TextKind.TITLE,
            )
        except TrackerError as error:
            raise ValidationError(shown(error)) from error
        return str(text)


@admin.register(PublicText)
class PublicTextAdmin(admin.ModelAdmin):
    """Every version of every public title and note. Drafts (machine translations) are
    reviewed here and published with an action; texts are written on the request page and
    the decision pages, where the deadline guard checks them."""

    list_display = ["request_link", "kind", "language", "short_text", "is_draft", "written_at"]
    list_filter = ["is_draft", "kind", "language"]
    list_select_related = ["request"]
    ordering = ["-written_at", "-id"]
    actions = ["publish_drafts"]
    readonly_fields = [
        "request",
        "kind",
        "change",
        "language",
        "source_language",
        "is_draft",
        "written_by",
        "written_at",
    ]
    fields = [*readonly_fields[:4], "text", *readonly_fields[4:]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Only a draft is edited here (a reviewer corrects it before publishing).
        decide = request.user.has_perm("tracker.decide_featurerequest")
        return decide and (obj is None or getattr(obj, "is_draft", False))

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("tracker.decide_featurerequest")

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("tracker.decide_featurerequest")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("tracker.decide_featurerequest")

    form = DraftForm

    def save_model(self, request: HttpRequest, obj: PublicText, form: Any, change: bool) -> None:
        public_text_edit_draft(id=obj.pk, text=form.cleaned_data["text"])

    @admin.display(description=_("request"), ordering="request")
    def request_link(self, obj: PublicText) -> str:
        return format_html(
            '<a href="{}">#{}</a>',
            reverse("admin:tracker_featurerequest_change", args=[obj.request_id]),
            obj.request_id,
        )

    @admin.display(description=_("text"))
    def short_text(self, obj: PublicText) -> str:
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"

    @admin.action(description=_("Publish the selected drafts (I have read them)"))
    def publish_drafts(self, request: HttpRequest, queryset: QuerySet[PublicText]) -> None:
        published = public_text_publish(
            ids=queryset.values_list("id", flat=True), by=acting_user(request)
        )
        self.message_user(
            request,
            ngettext("%(n)d draft published.", "%(n)d drafts published.", published)
            % {"n": published},
            messages.SUCCESS,
        )

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.missing_view)
        return [
            path("missing/", view, name="tracker_publictext_missing"),
            *super().get_urls(),
        ]

    def missing_view(self, request: HttpRequest) -> HttpResponse:
        """Public texts lacking a language, most waiting threads first; with a translation
        server configured, a button asks it for drafts of one text."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        server = LibreTranslate.from_settings()
        if request.method == "POST":
            self._draft(request, server)
            return redirect("admin:tracker_publictext_missing")
        rows = [
            {"text": text, "language_name": LANGUAGE_NAMES.get(text.language, text.language)}
            for text in texts_lacking_a_language(limit=MISSING_SHOWN)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": _("Public texts lacking a language"),
            "opts": self.opts,
            "rows": rows,
            "server": server is not None,
            "auto_publish": settings.TRACKER_TRANSLATION_AUTO_PUBLISH,
        }
        return TemplateResponse(request, "admin/tracker/publictext/missing.html", context)

    def _draft(self, request: HttpRequest, server: LibreTranslate | None) -> None:
        if server is None:
            self.message_user(
                request,
                _("No translation server is configured: write the versions by hand."),
                messages.WARNING,
            )
            return
        number, change_id = _digits(request.POST.get("number")), _digits(request.POST.get("change"))
        obj = FeatureRequest.objects.filter(number=number or 0).first()
        change = (
            StatusChange.objects.filter(pk=change_id, request_id=number).first()
            if change_id
            else None
        )
        if obj is None or (change_id and change is None):
            self.message_user(request, _("There is no such text."), messages.ERROR)
            return
        outcome = draft_missing(request=obj, change=change, server=server)
        for failure in outcome.failures:
            self.message_user(
                request,
                _("No draft: %(why)s You can still write the versions by hand.") % {"why": failure},
                messages.ERROR,
            )
        if outcome.drafted:
            names = ", ".join(str(LANGUAGE_NAMES[language]) for language in outcome.drafted)
            self.message_user(
                request,
                _("Drafts made in: %(languages)s. Read them before publishing.")
                % {"languages": names},
                messages.SUCCESS,
            )


def _digits(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdecimal() and len(value) < 19 else None


# How many texts lacking a language the list shows: the longest waits.
MISSING_SHOWN = 100
