"""The logging pages: support staff log what a customer said in a thread, as a new request
("Add", "Log a new request") or as one more thread on a request ("Log a customer thread").
Both go through the intake service, as the chat integrations do."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from tracker.admin.forms import MentionForm, RequestLogForm
from tracker.admin.requests.pages import BacklogPage, acting_user, posted
from tracker.errors import TrackerError
from tracker.models import FeatureRequest
from tracker.services import intake_log

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class LogPage:
    title: StrOrPromise
    # What the page says after logging, with the request's number as %(n)d: when something
    # new was logged, and when the thread had already raised the request.
    logged: StrOrPromise
    already: StrOrPromise


NEW_REQUEST = LogPage(
    title=_("Log a new request"),
    logged=_("Logged request #%(n)d; the customer will be told its number."),
    already=_("This thread had already raised #%(n)d; nothing new was logged."),
)
ONE_MORE_THREAD = LogPage(
    title=_("Log a customer thread"),
    logged=_("Logged the thread on #%(n)d; the customer will be told."),
    already=_("This thread had already raised #%(n)d."),
)


class LoggingPages(BacklogPage):
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Logs a new request from a customer thread."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._log(request, RequestLogForm(posted(request)), None, NEW_REQUEST)

    def mention_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Logs that one more customer thread raised this request."""
        if not (self.has_view_permission(request) and request.user.has_perm("tracker.add_mention")):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        return self._log(request, MentionForm(posted(request)), obj, ONE_MORE_THREAD)

    def _log(
        self,
        request: HttpRequest,
        form: MentionForm,
        original: FeatureRequest | None,
        page: LogPage,
    ) -> HttpResponse:
        """The step both pages share: the thread goes to intake_log, against `original` or,
        without one, as the new request the form describes; then the page says whether
        anything new was logged and opens the request."""
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                result = intake_log(
                    account=form.account_data(),
                    thread=form.thread_data(),
                    request_number=original.number if original else None,
                    # Only RequestLogForm asks for a new request's wording.
                    title=data.get("title", ""),
                    description=data.get("description", ""),
                    kind=data.get("kind"),
                    criticality=data["mention_criticality"],
                    quote=data["quote"],
                    report=form.report(),
                    logged_by=acting_user(request),
                )
            except TrackerError as error:
                form.add_service_error(error)
            else:
                number = result.request.number
                # A new request is logged with its first mention, so one flag tells both.
                text = page.logged if result.mention_created else page.already
                self.message_user(request, text % {"n": number}, messages.SUCCESS)
                return redirect("admin:tracker_featurerequest_change", number)
        return self.render_page(
            request, "log.html", page.title, {"form": form, "original": original}
        )
