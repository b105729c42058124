"""API tokens in admin: who has one and since when, never the key itself. Rotating shows the
new key once, on the page the action answers with; revoking deletes the token. Both go
through tracker.services.tokens, like the `api_token` command."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework.authtoken.admin import TokenAdmin as DRFTokenAdmin
from rest_framework.authtoken.models import Token, TokenProxy

from tracker.services.tokens import token_revoke, token_rotate

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class TokenAdmin(DRFTokenAdmin):
    list_display = ("user", "created")
    list_display_links = None
    actions = ["rotate", "revoke"]

    def get_urls(self) -> list[URLPattern]:
        # The list alone: a token's own pages (change, history, delete) would show its key,
        # which is what the token is named by.
        name = f"{self.opts.app_label}_{self.opts.model_name}_changelist"
        return [path("", self.admin_site.admin_view(self.changelist_view), name=name)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A key made here could never be shown: issue one with rotate, or `api_token create`.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Deleting is the revoke action, through the service.
        return False

    @admin.display(description=mark_safe('<input type="checkbox" id="action-toggle">'))
    def action_checkbox(self, obj: Token) -> SafeString:
        # Admin labels each box with str(obj), which for a token is its key.
        label = gettext("Select the token of %(user)s") % {"user": obj.user}
        attrs = {"class": "action-select", "aria-label": label}
        checkbox = forms.CheckboxInput(attrs, lambda value: False)
        return checkbox.render(helpers.ACTION_CHECKBOX_NAME, str(obj.pk))

    @admin.action(
        description=_("Rotate the selected tokens (the new keys are shown once)"),
        permissions=["change"],
    )
    def rotate(self, request: HttpRequest, queryset: QuerySet[Token]) -> HttpResponse:
        rotated = [
            (token.user, token_rotate(user=token.user, by=request.user))
            for token in _selected(request, queryset)
        ]
        response = TemplateResponse(
            request,
            "admin/authtoken/rotated.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": _("New API keys"),
                "rotated": rotated,
            },
        )
        # Shown once: no cache, no history entry may keep the page.
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[Token]) -> None:
        revoked = [
            token.user
            for token in _selected(request, queryset)
            if token_revoke(user=token.user, by=request.user)
        ]
        names = ", ".join(str(user) for user in revoked)
        text = gettext("Revoked the API tokens of %(names)s.") % {"names": names}
        self.message_user(request, text, messages.SUCCESS)


def _selected(request: HttpRequest, queryset: QuerySet[Token]) -> list[Token]:
    """The tokens ticked on the changelist. Its checkboxes carry user ids (TokenProxy's pk
    is its user's, so that no key is ever in a page), which admin's own filter would
    compare with the keys."""
    if request.POST.get("select_across") == "1":
        chosen = queryset
    else:
        users = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        chosen = Token.objects.filter(user_id__in=[u for u in users if u.isdigit()])
    return list(chosen.select_related("user").order_by("user__username"))
