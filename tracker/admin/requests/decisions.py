"""The decision pages: change status, set priority, set criticality, merge.

Each opens on the requests selected in the list (or on the one whose page it came from),
shows each of them now and after, asks to confirm, and then calls its service once per
request. A refusal of the service is a form error for one request and a message per request
for several.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tracker.admin.forms import (
    AreaForm,
    CriticalityForm,
    DecisionForm,
    MergeForm,
    OwnerForm,
    PriorityForm,
    ServiceForm,
    TransitionForm,
)
from tracker.admin.note_audience import LANGUAGE_NAMES, who_reads
from tracker.admin.requests.pages import BacklogPage, acting_user, posted
from tracker.choices import Criticality, Priority, Status
from tracker.errors import TrackerError
from tracker.models import FeatureRequest
from tracker.selectors import merge_preview, note_audience, threads_told
from tracker.services import (
    MERGEABLE_INTO,
    request_merge_many,
    request_merge_target,
    request_set_criticality,
    request_set_priority,
    request_transition,
)
from tracker.services.decisions import request_set_area, request_set_owner

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# A decision page lists every request it changes; more than this is a filter, not a choice.
MAX_SELECTED = 500

Preview = dict[str, Any]


@dataclass(frozen=True)
class Decision:
    """One decision page but the merge: its form, what it shows before, and what it does."""

    title: StrOrPromise
    form_class: type[DecisionForm]
    # What the confirmation shows for the selected requests and the form's data.
    preview: Callable[[list[FeatureRequest], dict[str, Any]], Preview]
    # Runs the service for one request; returns the message to show.
    apply: Callable[[FeatureRequest, dict[str, Any], User], str]


# --- change status ------------------------------------------------------------------------


def _status_preview(selected: list[FeatureRequest], data: dict[str, Any]) -> Preview:
    after = Status(data["status"]).label
    numbers = [obj.number for obj in selected]
    return {
        "changes": [(obj, obj.get_status_display(), after) for obj in selected],
        "threads_told": threads_told(numbers=numbers),
        **_note_preview(numbers, data["public_notes"]),
    }


def _note_preview(numbers: list[int], versions: dict[str, str]) -> Preview:
    """The note's versions and who reads which: "12 Japanese threads will read the English
    note", before anything is sent."""
    if not versions:
        return {"public_note": ""}
    return {
        "public_note": next(iter(versions.values())),
        "note_versions": [(LANGUAGE_NAMES[language], text) for language, text in versions.items()],
        "audience": [
            who_reads(group) for group in note_audience(numbers=numbers, versions=versions)
        ],
    }


def _transition(obj: FeatureRequest, data: dict[str, Any], user: User) -> str:
    # One of several selected requests may not take the status the others take: the
    # service says so with the statuses' labels, in the user's language.
    request = request_transition(
        number=obj.number,
        status=data["status"],
        public_note=data["public_notes"],
        reason=data["reason"],
        by=user,
    )
    return gettext("#%(number)d is now %(status)s.") % {
        "number": request.number,
        "status": request.get_status_display(),
    }


# --- set priority -------------------------------------------------------------------------


def _priority_preview(selected: list[FeatureRequest], data: dict[str, Any]) -> Preview:
    return _score_changes(
        selected, lambda obj: Priority(obj.priority).label, priority=data["priority"]
    )


def _set_priority(obj: FeatureRequest, data: dict[str, Any], user: User) -> str:
    request = request_set_priority(number=obj.number, priority=data["priority"], by=user)
    return gettext("#%(number)d has priority %(priority)s.") % {
        "number": request.number,
        "priority": request.get_priority_display(),
    }


# --- set criticality ----------------------------------------------------------------------


def _criticality_preview(selected: list[FeatureRequest], data: dict[str, Any]) -> Preview:
    return _score_changes(
        selected,
        lambda obj: Criticality(obj.effective_criticality).label,
        criticality=data["criticality"],
    )


def _set_criticality(obj: FeatureRequest, data: dict[str, Any], user: User) -> str:
    request = request_set_criticality(number=obj.number, criticality=data["criticality"], by=user)
    shown = Criticality(request.effective_criticality).label
    return gettext("#%(number)d has criticality %(level)s.") % {
        "number": request.number,
        "level": shown,
    }


def _score_changes(
    selected: list[FeatureRequest],
    label: Callable[[FeatureRequest], StrOrPromise],
    **decided: str,
) -> Preview:
    """Each request's setting and score now and once `decided` is set. The new score comes
    from an unsaved copy, so the model's own rules (effective criticality, the ranking
    formula) say what it would be."""
    changes = []
    for obj in selected:
        after = copy.copy(obj)
        for field, value in decided.items():
            setattr(after, field, value)
        changes.append(
            (
                obj,
                gettext("%(value)s · score %(score)s")
                % {"value": label(obj), "score": f"{obj.score:g}"},
                gettext("%(value)s · score %(score)s")
                % {"value": label(after), "score": f"{after.ranking().score:g}"},
            )
        )
    return {"changes": changes}


# --- product area and owner ---------------------------------------------------------------


def _area_preview(selected: list[FeatureRequest], data: dict[str, Any]) -> Preview:
    after = str(data["area"] or _("No area"))
    return {"changes": [(obj, str(obj.area or _("No area")), after) for obj in selected]}


def _set_area(obj: FeatureRequest, data: dict[str, Any], user: User) -> str:
    area = data["area"]
    request_set_area(number=obj.number, area=area.pk if area else None, by=user)
    return str(
        _("#%(number)d is in %(area)s.") % {"number": obj.number, "area": area}
        if area
        else _("#%(number)d is in no product area.") % {"number": obj.number}
    )


def _owner_preview(selected: list[FeatureRequest], data: dict[str, Any]) -> Preview:
    after = str(data["owner"] or _("Nobody"))
    return {"changes": [(obj, str(obj.owner or _("Nobody")), after) for obj in selected]}


def _set_owner(obj: FeatureRequest, data: dict[str, Any], user: User) -> str:
    owner = data["owner"]
    request_set_owner(number=obj.number, owner=owner.pk if owner else None, by=user)
    return str(
        _("#%(number)d is owned by %(owner)s.") % {"number": obj.number, "owner": owner}
        if owner
        else _("#%(number)d is owned by nobody.") % {"number": obj.number}
    )


DECISIONS = {
    "status": Decision(_("Change status"), TransitionForm, _status_preview, _transition),
    "priority": Decision(_("Set priority"), PriorityForm, _priority_preview, _set_priority),
    "criticality": Decision(
        _("Set criticality"), CriticalityForm, _criticality_preview, _set_criticality
    ),
    "area": Decision(_("Set product area"), AreaForm, _area_preview, _set_area),
    "owner": Decision(_("Set owner"), OwnerForm, _owner_preview, _set_owner),
}


# --- merge: its rules, apart from the page so that one service can take them over ---------


def _merge_survivor(form: MergeForm, selected: list[FeatureRequest]) -> FeatureRequest | None:
    """The request to keep, checked by the service before anything is shown or done. None,
    with the form told why, when it cannot be kept."""
    try:
        survivor = request_merge_target(
            numbers=[obj.number for obj in selected], into=form.cleaned_data["into"]
        )
    except TrackerError as error:
        form.add_error("into", error.message)
        return None
    # What each merge would refuse under its lock, refused here before any confirmation,
    # naming the status in the user's language.
    if survivor.status not in MERGEABLE_INTO:
        form.add_error(
            "into",
            gettext(
                "Request #%(number)d is %(status)s: requests are merged into an open or done one."
            )
            % {"number": survivor.number, "status": survivor.get_status_display()},
        )
        return None
    others = [obj for obj in selected if obj.number != survivor.number]
    if others and all(obj.duplicate_of_id is not None for obj in others):
        form.add_error(
            "into", gettext("Each of the other selected requests is already merged into another.")
        )
        return None
    return survivor


# --- the pages ----------------------------------------------------------------------------

Action = Callable[["DecisionPages", HttpRequest, QuerySet], HttpResponse | None]


def _opens_page(slug: str, description: StrOrPromise) -> Action:
    """An action of the list that opens decision page `slug` on the selected requests."""

    @admin.action(permissions=["decide"], description=description)
    def action(
        model_admin: DecisionPages, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return model_admin._open_page(request, slug, queryset)

    return action


class DecisionPages(BacklogPage):
    actions = [
        "change_status",
        "merge_selected",
        "set_priority",
        "set_criticality",
        "set_area",
        "set_owner",
    ]

    change_status = _opens_page("status", _("Change status of selected requests…"))
    merge_selected = _opens_page("merge", _("Merge selected requests into one…"))
    set_priority = _opens_page("priority", _("Set priority of selected requests…"))
    set_criticality = _opens_page("criticality", _("Set criticality of selected requests…"))
    set_area = _opens_page("area", _("Set product area of selected requests…"))
    set_owner = _opens_page("owner", _("Set owner of selected requests…"))

    def _open_page(
        self, request: HttpRequest, slug: str, queryset: QuerySet
    ) -> HttpResponse | None:
        numbers = list(queryset.order_by().values_list("number", flat=True)[: MAX_SELECTED + 1])
        if len(numbers) > MAX_SELECTED:
            self.message_user(
                request,
                _("Select at most %(max)d requests at once.") % {"max": MAX_SELECTED},
                messages.ERROR,
            )
            return None
        return redirect(page_url(slug, numbers))

    def decision_view(self, request: HttpRequest, slug: str) -> HttpResponse:
        self._check_may_decide(request)
        decision = DECISIONS.get(slug)
        if decision is None:
            raise Http404
        selected = _selected(request)
        if not selected:
            return self._nothing_selected(request)
        form = decision.form_class(posted(request), requests=selected)
        context: dict[str, Any] = {"rows": _rows(selected)}
        if form.is_bound and form.is_valid():
            if "confirm" not in request.POST:
                context.update(decision.preview(selected, form.cleaned_data))
                return self._render(request, decision.title, form, selected, context, True)
            failed = self._apply_each(request, selected, decision, form)
            if not failed:
                return _back(selected)
        return self._render(request, decision.title, form, selected, context, False)

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        self._check_may_decide(request)
        selected = _selected(request)
        if not selected:
            return self._nothing_selected(request)
        canonical = [obj for obj in selected if obj.duplicate_of_id is None]
        form = MergeForm(
            posted(request), initial={"into": canonical[0].number if canonical else None}
        )
        context: dict[str, Any] = {"rows": _rows(selected)}
        if form.is_bound and form.is_valid() and (survivor := _merge_survivor(form, selected)):
            if "confirm" not in request.POST:
                preview = merge_preview(survivor=survivor, requests=selected)
                context.update(survivor=survivor, merged=preview.merged, after=preview.after)
                context.update(
                    _note_preview(
                        [obj.number for obj in preview.merged], form.cleaned_data["public_notes"]
                    )
                )
                return self._render(request, _("Merge"), form, selected, context, True)
            if self._merge_confirmed(request, form, selected, survivor):
                return redirect("admin:tracker_featurerequest_change", survivor.number)
        return self._render(request, _("Merge"), form, selected, context, False)

    def _merge_confirmed(
        self,
        request: HttpRequest,
        form: MergeForm,
        selected: list[FeatureRequest],
        survivor: FeatureRequest,
    ) -> bool:
        """Merges and says how it went; returns whether any request was merged."""
        outcome = request_merge_many(
            numbers=[obj.number for obj in selected],
            into=survivor.number,
            public_note=form.cleaned_data["public_notes"],
            by=acting_user(request),
        )
        for number, error in outcome.refused.items():
            self.message_user(request, f"#{number}: {error.message}", messages.ERROR)
        if outcome.merged:
            n = len(outcome.merged)
            text = ngettext(
                "Merged %(n)d request into #%(into)d.", "Merged %(n)d requests into #%(into)d.", n
            )
            self.message_user(
                request,
                text % {"n": len(outcome.merged), "into": survivor.number},
                messages.SUCCESS,
            )
        return bool(outcome.merged)

    def _check_may_decide(self, request: HttpRequest) -> None:
        if not self.has_decide_permission(request):
            raise PermissionDenied

    def _nothing_selected(self, request: HttpRequest) -> HttpResponseRedirect:
        self.message_user(request, _("Select one or more requests first."), messages.WARNING)
        return redirect("admin:tracker_featurerequest_changelist")

    def _apply_each(
        self,
        request: HttpRequest,
        selected: list[FeatureRequest],
        decision: Decision,
        form: ServiceForm,
    ) -> bool:
        """Runs the decision on each request; returns whether the one request failed."""
        failed = False
        for obj in selected:
            try:
                self.message_user(
                    request,
                    decision.apply(obj, form.cleaned_data, acting_user(request)),
                    messages.SUCCESS,
                )
            except TrackerError as error:
                failed = True
                if len(selected) == 1:
                    form.add_service_error(error)
                else:
                    self.message_user(request, f"#{obj.number}: {error.message}", messages.ERROR)
        # With several requests the messages tell what happened to each; go back to the list.
        return failed and len(selected) == 1

    def _render(
        self,
        request: HttpRequest,
        title: StrOrPromise,
        form: ServiceForm,
        selected: list[FeatureRequest],
        context: dict[str, Any],
        confirming: bool,
    ) -> TemplateResponse:
        return self.render_page(
            request,
            "decision.html",
            title,
            {
                "form": form,
                "confirming": confirming,
                "ids": ",".join(str(obj.number) for obj in selected),
                "cancel_url": _back(selected).url,
                **context,
            },
        )


def decision_urls(number: int) -> dict[str, str]:
    """The decision pages of one request, by slug, as its page links to them."""
    return {slug: page_url(slug, [number]) for slug in (*DECISIONS, "merge")}


def page_url(slug: str, numbers: Iterable[int]) -> str:
    if slug == "merge":
        url = reverse("admin:tracker_featurerequest_merge")
    else:
        url = reverse("admin:tracker_featurerequest_decide", kwargs={"slug": slug})
    return url + "?" + urlencode({"ids": ",".join(map(str, numbers))})


def _selected(request: HttpRequest) -> list[FeatureRequest]:
    raw = request.POST.get("ids") if request.method == "POST" else request.GET.get("ids")
    numbers = {int(part) for part in (raw or "").split(",") if part.strip().isdigit()}
    if not numbers or len(numbers) > MAX_SELECTED:
        return []
    return list(FeatureRequest.objects.filter(number__in=numbers).ranked())


def _back(selected: list[FeatureRequest]) -> HttpResponseRedirect:
    if len(selected) == 1:
        return redirect("admin:tracker_featurerequest_change", selected[0].number)
    return redirect("admin:tracker_featurerequest_changelist")


def _rows(selected: list[FeatureRequest]) -> list[dict[str, Any]]:
    return [
        {"obj": obj, "criticality": Criticality(obj.effective_criticality).label}
        for obj in selected
    ]
