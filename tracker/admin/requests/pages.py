"""What every page of the backlog shares: who is acting, what was posted, who may decide,
and the admin's frame around a page of our own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin
from django.contrib.auth.models import User
from django.http import HttpRequest, QueryDict
from django.template.response import TemplateResponse

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DECIDE = "tracker.decide_featurerequest"


class BacklogPage(admin.ModelAdmin):
    """The base of each group of pages; FeatureRequestAdmin combines them."""

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE)

    def render_page(
        self, request: HttpRequest, template: str, title: StrOrPromise, context: dict[str, Any]
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            f"admin/tracker/featurerequest/{template}",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                **context,
            },
        )


def acting_user(request: HttpRequest) -> User:
    # The admin lets only signed-in staff this far.
    return cast(User, request.user)


def posted(request: HttpRequest) -> QueryDict | None:
    """The data a page's form is bound to: none until the page is posted."""
    return request.POST if request.method == "POST" else None
