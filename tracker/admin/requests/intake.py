"""The logging pages: support staff log what a customer said in a thread, as a new request
("Add", "Log a new request") or as one more thread on a request ("Log a customer thread").
Both go through the intake service, as the chat integrations do.

Both pages show the requests most like what the agent typed (the similar search, in any
language), each with a button that logs the thread on it instead: without JavaScript, a
"Find similar requests" button re-renders the page with them, and logging a new request
looks again. When one of them is likely the same wish, a new request is logged only once
the agent ticks "None of these is the same wish": a duplicate is a deliberate choice."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from tracker.admin.forms import MentionForm, RequestLogForm
from tracker.admin.requests.pages import BacklogPage, acting_user, posted
from tracker.choices import OPEN_STATUSES, Language, Status
from tracker.errors import TrackerError
from tracker.limits import NUMBER_MAX
from tracker.models import FeatureRequest
from tracker.search import QUERY_MAX, Similar, similar_requests
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


# How many similar requests a logging page shows, and the score from which one of them is
# likely the same wish. On the test sets 44 of the 49 paraphrases in another language reach
# it (and 70 of all 77), and for about two queries in five so does a close neighbour, which
# costs the agent one tick: a missed duplicate splits demand, a tick costs a second
# (docs/similar.md).
SHOWN = 5
SAME_WISH = 0.3


class SimilarChoiceForm(forms.Form):
    """The agent's choice among the similar requests: one of them (its button posts
    `attach`), or none of them."""

    none_alike = forms.BooleanField(
        label=_("None of these is the same wish: log a new request"), required=False
    )
    attach = forms.IntegerField(required=False, min_value=1, max_value=NUMBER_MAX)


@dataclass(frozen=True)
class SimilarRow:
    found: Similar
    # The request the page is logging on (the thread page), which needs no button.
    is_original: bool

    @property
    def closed(self) -> bool:
        return self.found.status not in OPEN_STATUSES

    @property
    def status_label(self) -> str:
        return str(Status(self.found.status).label)

    @property
    def language_label(self) -> str:
        return str(Language(self.found.language).label)

    @property
    def likely_same(self) -> bool:
        return self.found.similarity >= SAME_WISH


class LoggingPages(BacklogPage):
    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Logs a new request from a customer thread."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._log(request, RequestLogForm, None, NEW_REQUEST)

    def mention_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Logs that one more customer thread raised this request."""
        if not (self.has_view_permission(request) and request.user.has_perm("tracker.add_mention")):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        return self._log(request, MentionForm, obj, ONE_MORE_THREAD)

    def _log(
        self,
        request: HttpRequest,
        form_class: type[MentionForm],
        original: FeatureRequest | None,
        page: LogPage,
    ) -> HttpResponse:
        """The step both pages share: the thread goes to intake_log, against `original`, or
        against the similar request the agent chose instead, or, without either, as the
        new request the form describes; then the page says whether anything new was
        logged and opens the request."""
        data = posted(request)
        if data is None:
            return self._page(request, page, form_class(), original, None, SimilarChoiceForm())
        if "find_similar" in data:
            # Only looking: the form is shown as typed, without complaints about what is
            # not typed yet.
            similar = self._similar(data, original)
            form = form_class(initial=data.dict())
            return self._page(request, page, form, original, similar, SimilarChoiceForm())
        form, choice = form_class(data), SimilarChoiceForm(data)
        target, told, looked = original, page, None
        if "attach" in data:
            target, told = self._chosen(request, choice), ONE_MORE_THREAD
            if "title" in form.fields:
                form.fields["title"].required = False
        if form.is_valid():
            if target is None:
                looked = self._similar(data, None)
            if target is not None or self._deliberate(choice, looked or []):
                logged = self._logged(request, form, target, told)
                if logged is not None:
                    return logged
        return self._page(request, page, form, original, looked, choice)

    def _chosen(self, request: HttpRequest, choice: SimilarChoiceForm) -> FeatureRequest:
        """The similar request the agent chose to log the thread on instead."""
        if not request.user.has_perm("tracker.add_mention"):
            raise PermissionDenied
        number = choice.cleaned_data["attach"] if choice.is_valid() else None
        chosen = FeatureRequest.objects.filter(number=number).first() if number else None
        if chosen is None:
            raise Http404
        return chosen

    def _logged(
        self,
        request: HttpRequest,
        form: MentionForm,
        target: FeatureRequest | None,
        told: LogPage,
    ) -> HttpResponse | None:
        """Logs the thread, on `target` or as a new request, and opens the request, saying
        what `told` says; None when the service refused (the form then says why)."""
        data = form.cleaned_data
        try:
            result = intake_log(
                account=form.account_data(),
                thread=form.thread_data(),
                request_number=target.number if target else None,
                # Only RequestLogForm asks for a new request's wording.
                title="" if target else data.get("title", ""),
                description="" if target else data.get("description", ""),
                kind=data.get("kind"),
                criticality=data["mention_criticality"],
                quote=data["quote"],
                report=form.report(),
                logged_by=acting_user(request),
            )
        except TrackerError as error:
            form.add_service_error(error)
            return None
        number = result.request.number
        # A new request is logged with its first mention, so one flag tells both.
        text = told.logged if result.mention_created else told.already
        self.message_user(request, text % {"n": number}, messages.SUCCESS)
        return redirect("admin:tracker_featurerequest_change", number)

    def _deliberate(self, choice: SimilarChoiceForm, similar: list[SimilarRow]) -> bool:
        """Whether a new request may be logged: nothing like it is there, or the agent
        said none of the similar ones is the same wish."""
        if not any(row.likely_same for row in similar):
            return True
        if choice.is_valid() and choice.cleaned_data["none_alike"]:
            return True
        choice.add_error(
            "none_alike",
            _(
                "These requests look like the same wish. Log the thread on one of them, or "
                "tick this box to log a new request anyway."
            ),
        )
        return False

    def _similar(self, data: Any, original: FeatureRequest | None) -> list[SimilarRow]:
        """The requests most like what the agent typed: the new request's title, else the
        customer's words."""
        query = (data.get("title") or data.get("quote") or "").strip()[:QUERY_MAX]
        if not query:
            return []
        number = original.number if original else None
        return [
            SimilarRow(found=found, is_original=found.number == number)
            for found in similar_requests(query=query, limit=SHOWN)
        ]

    def _page(
        self,
        request: HttpRequest,
        page: LogPage,
        form: MentionForm,
        original: FeatureRequest | None,
        similar: list[SimilarRow] | None,
        choice: SimilarChoiceForm,
    ) -> HttpResponse:
        """The page; `similar` is None when nothing was looked for."""
        return self.render_page(
            request,
            "log.html",
            page.title,
            {
                "form": form,
                "original": original,
                "similar": similar,
                "choice": choice,
                "ask_choice": original is None and any(r.likely_same for r in similar or []),
            },
        )
