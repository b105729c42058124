"""The product managers' ranked backlog.

Every change made here goes through tracker.services; the pages only collect input, show
what will happen, and turn the services' refusals into messages or form errors.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from tracker.admin.charts import weekly_customers
from tracker.admin.filters import (
    ChannelFilter,
    CriticalityFilter,
    LanguageFilter,
    PlanFilter,
    RaisedRecentlyFilter,
    search_backlog,
)
from tracker.admin.forms import (
    CriticalityForm,
    MentionForm,
    MergeForm,
    PriorityForm,
    RequestLogForm,
    ServiceForm,
    TransitionForm,
)
from tracker.choices import Criticality, Priority, Status
from tracker.errors import TrackerError
from tracker.models import FeatureRequest, Mention, StatusChange
from tracker.pagination import LargeTablePaginator
from tracker.ranking import Weights, rank
from tracker.selectors import ranked_backlog
from tracker.services import (
    intake_log,
    request_edit,
    request_merge,
    request_set_criticality,
    request_set_priority,
    request_transition,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DECIDE = "tracker.decide_featurerequest"
# A decision page lists every request it changes; more than this is a filter, not a choice.
MAX_SELECTED = 500
MENTIONS_SHOWN = 100
CSV_COLUMNS = [
    "number",
    "title",
    "status",
    "kind",
    "customer_count",
    "mention_count",
    "criticality",
    "priority",
    "score",
    "last_raised_at",
]


@dataclass(frozen=True)
class Decision:
    """One kind of decision page: its form, what it shows before, and what it does."""

    slug: str
    title: StrOrPromise
    form_class: type[ServiceForm]
    # Runs the service for one request; returns the message to show.
    apply: Callable[[FeatureRequest, dict[str, Any], Any], str]


def _transition(obj: FeatureRequest, data: dict[str, Any], user: Any) -> str:
    request = request_transition(
        number=obj.number,
        status=data["status"],
        public_note=data["public_note"],
        reason=data["reason"],
        by=user,
    )
    return f"#{request.number} is now {request.get_status_display()}."


def _set_priority(obj: FeatureRequest, data: dict[str, Any], user: Any) -> str:
    request = request_set_priority(number=obj.number, priority=data["priority"], by=user)
    return f"#{request.number} has priority {request.get_priority_display()}."


def _set_criticality(obj: FeatureRequest, data: dict[str, Any], user: Any) -> str:
    request = request_set_criticality(number=obj.number, criticality=data["criticality"], by=user)
    shown = Criticality(request.effective_criticality).label
    return f"#{request.number} has criticality {shown}."


DECISIONS = {
    d.slug: d
    for d in (
        Decision("status", _("Change status"), TransitionForm, _transition),
        Decision("priority", _("Set priority"), PriorityForm, _set_priority),
        Decision("criticality", _("Set criticality"), CriticalityForm, _set_criticality),
    )
}


@admin.register(FeatureRequest)
class FeatureRequestAdmin(admin.ModelAdmin):
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
    # The search itself is search_backlog(); a search field makes the admin show the box.
    search_fields = ["title"]
    search_help_text = _("Number, title, description or the customers' own words.")
    ordering = ["-score", "number"]
    sortable_by = ["number", "customer_count", "score", "last_raised_at"]
    list_per_page = 100
    paginator = LargeTablePaginator
    show_full_result_count = False
    actions = ["change_status", "merge_selected", "set_priority", "set_criticality"]
    # Status, demand, score, priority and criticality change only through the services.
    readonly_fields = [
        "criticality_shown",
        "status",
        "decline_reason",
        "duplicate_of",
        "criticality",
        "priority",
        "customer_count",
        "demand_weight",
        "mention_count",
        "mention_criticality",
        "last_raised_at",
        "score",
        "created_by",
        "created_at",
        "status_changed_at",
    ]
    fieldsets = [
        (None, {"fields": ["title", "description", "kind"]}),
        (
            _("Decisions (through the buttons above)"),
            {
                "fields": [
                    "status",
                    "decline_reason",
                    "duplicate_of",
                    "criticality_shown",
                    "priority",
                ]
            },
        ),
        (
            _("Demand, kept by the services"),
            {
                "classes": ["collapse"],
                "fields": [
                    "customer_count",
                    "demand_weight",
                    "mention_count",
                    "mention_criticality",
                    "last_raised_at",
                    "score",
                    "created_by",
                    "created_at",
                    "status_changed_at",
                ],
            },
        ),
    ]

    # --- the list -----------------------------------------------------------------------

    def get_queryset(self, request: HttpRequest) -> QuerySet[FeatureRequest]:
        return ranked_backlog()

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        # EXISTS, never a join: a request raised in many threads stays one row.
        return search_backlog(queryset, search_term), False

    @admin.display(description=_("criticality"))
    def criticality_shown(self, obj: FeatureRequest) -> str:
        label = str(Criticality(obj.effective_criticality).label)
        return label if not obj.criticality else f"{label} (set)"

    @admin.display(description=_("last raised"), ordering="last_raised_at")
    def last_raised(self, obj: FeatureRequest) -> str:
        return obj.last_raised_at.date().isoformat() if obj.last_raised_at else "—"

    # --- permissions --------------------------------------------------------------------

    def has_decide_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(DECIDE)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Customers were told the number; a request is declined or merged, never deleted.
        return False

    # --- actions: each opens its own page -----------------------------------------------

    @admin.action(permissions=["decide"], description=_("Change status of selected requests…"))
    def change_status(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._open_page(request, "status", queryset)

    @admin.action(permissions=["decide"], description=_("Merge selected requests into one…"))
    def merge_selected(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._open_page(request, "merge", queryset)

    @admin.action(permissions=["decide"], description=_("Set priority of selected requests…"))
    def set_priority(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._open_page(request, "priority", queryset)

    @admin.action(permissions=["decide"], description=_("Set criticality of selected requests…"))
    def set_criticality(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._open_page(request, "criticality", queryset)

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
        return redirect(_page_url(slug, numbers))

    # --- pages --------------------------------------------------------------------------

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
                "<path:object_id>/mention/",
                view(self.mention_view),
                name="tracker_featurerequest_mention",
            ),
            *super().get_urls(),
        ]

    def decision_view(self, request: HttpRequest, slug: str) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        decision = DECISIONS.get(slug)
        if decision is None:
            raise Http404
        selected = _selected(request)
        if not selected:
            self.message_user(request, _("Select one or more requests first."), messages.WARNING)
            return redirect("admin:tracker_featurerequest_changelist")
        form = decision.form_class(request.POST if request.method == "POST" else None)
        context: dict[str, Any] = {"rows": [_row(obj) for obj in selected]}
        if form.is_bound and form.is_valid():
            if "confirm" not in request.POST:
                context.update(_preview(slug, selected, form.cleaned_data))
                return self._render_page(request, decision.title, form, selected, context, True)
            failed = self._apply_each(request, selected, decision, form)
            if not failed:
                return _back(selected)
        return self._render_page(request, decision.title, form, selected, context, False)

    def merge_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        selected = _selected(request)
        if not selected:
            self.message_user(request, _("Select one or more requests first."), messages.WARNING)
            return redirect("admin:tracker_featurerequest_changelist")
        canonical = [obj for obj in selected if obj.duplicate_of_id is None]
        form = MergeForm(
            request.POST if request.method == "POST" else None,
            initial={"into": canonical[0].number if canonical else None},
        )
        context: dict[str, Any] = {"rows": [_row(obj) for obj in selected]}
        if form.is_bound and form.is_valid():
            into = form.cleaned_data["into"]
            survivor = FeatureRequest.objects.filter(number=into).first()
            if survivor is None:
                form.add_error("into", _("There is no request %(n)s.") % {"n": into})
            elif all(obj.number == into for obj in selected):
                form.add_error("into", _("Give the number of another request to keep."))
            elif "confirm" not in request.POST:
                context.update(_merge_preview(survivor, selected))
                return self._render_page(request, _("Merge"), form, selected, context, True)
            else:
                merged = 0
                for obj in selected:
                    if obj.number == into:
                        continue
                    try:
                        request_merge(
                            number=obj.number,
                            into=into,
                            public_note=form.cleaned_data["public_note"],
                            by=_user(request),
                        )
                        merged += 1
                    except TrackerError as error:
                        self.message_user(
                            request, f"#{obj.number}: {error.message}", messages.ERROR
                        )
                if merged:
                    self.message_user(
                        request,
                        _("Merged %(n)d request(s) into #%(into)d.") % {"n": merged, "into": into},
                        messages.SUCCESS,
                    )
                    return redirect("admin:tracker_featurerequest_change", into)
        return self._render_page(request, _("Merge"), form, selected, context, False)

    def _apply_each(
        self,
        request: HttpRequest,
        selected: list[FeatureRequest],
        decision: Decision,
        form: ServiceForm,
    ) -> bool:
        """Runs the decision on each request; returns whether any failed."""
        failed = False
        for obj in selected:
            try:
                self.message_user(
                    request,
                    decision.apply(obj, form.cleaned_data, _user(request)),
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

    def _render_page(
        self,
        request: HttpRequest,
        title: StrOrPromise,
        form: ServiceForm,
        selected: list[FeatureRequest],
        context: dict[str, Any],
        confirming: bool,
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/tracker/featurerequest/decision.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "form": form,
                "confirming": confirming,
                "ids": ",".join(str(obj.number) for obj in selected),
                "cancel_url": _back(selected).url,
                **context,
            },
        )

    # --- logging what customers said ----------------------------------------------------

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Logs a new request from a customer thread through the intake service."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = RequestLogForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                result = intake_log(
                    account=form.account_data(),
                    thread=form.thread_data(),
                    title=data["title"],
                    description=data["description"],
                    kind=data["kind"],
                    criticality=data["mention_criticality"],
                    quote=data["quote"],
                    report=form.report(),
                    logged_by=_user(request),
                )
            except TrackerError as error:
                form.add_service_error(error)
            else:
                number = result.request.number
                if result.request_created:
                    text = _("Logged request #%(n)d; the customer will be told its number.")
                else:
                    text = _("This thread had already raised #%(n)d; nothing new was logged.")
                self.message_user(request, text % {"n": number}, messages.SUCCESS)
                return redirect("admin:tracker_featurerequest_change", number)
        return self._render_log_page(request, _("Log a new request"), form, None)

    def mention_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Logs that one more customer thread raised this request."""
        if not (self.has_view_permission(request) and request.user.has_perm("tracker.add_mention")):
            raise PermissionDenied
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        form = MentionForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                result = intake_log(
                    account=form.account_data(),
                    thread=form.thread_data(),
                    request_number=obj.number,
                    criticality=data["mention_criticality"],
                    quote=data["quote"],
                    logged_by=_user(request),
                )
            except TrackerError as error:
                form.add_service_error(error)
            else:
                number = result.request.number
                if result.mention_created:
                    text = _("Logged the thread on #%(n)d; the customer will be told.")
                else:
                    text = _("This thread had already raised #%(n)d.")
                self.message_user(request, text % {"n": number}, messages.SUCCESS)
                return redirect("admin:tracker_featurerequest_change", number)
        return self._render_log_page(request, _("Log a customer thread"), form, obj)

    def _render_log_page(
        self,
        request: HttpRequest,
        title: StrOrPromise,
        form: ServiceForm,
        obj: FeatureRequest | None,
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/tracker/featurerequest/log.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": title,
                "form": form,
                "original": obj,
            },
        )

    # --- a request's page ---------------------------------------------------------------

    def save_model(
        self, request: HttpRequest, obj: FeatureRequest, form: Any, change: bool
    ) -> None:
        # The change form edits only the wording; it goes through the service like every
        # other change (adding goes through add_view's intake form instead).
        data = form.cleaned_data
        saved = request_edit(
            number=obj.number,
            title=data["title"],
            description=data["description"],
            kind=data["kind"],
            by=_user(request),
        )
        obj.title = saved.title

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if obj is not None:
            context.update(self._request_page_context(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def _request_page_context(self, request: HttpRequest, obj: FeatureRequest) -> dict[str, Any]:
        family = Mention.objects.of_requests([obj.number])
        mentions = family.select_related("thread__account", "thread__channel", "logged_by")
        return {
            "ranking": obj.ranking(),
            "mentions": list(mentions.order_by("-created_at", "-id")[:MENTIONS_SHOWN]),
            "mention_total": family.count(),
            "history": list(StatusChange.objects.filter(request=obj).select_related("changed_by")),
            "duplicates": list(FeatureRequest.objects.filter(duplicate_of=obj).order_by("number")),
            "chart": weekly_customers(number=obj.number),
            "notifications_url": reverse("admin:tracker_notification_changelist")
            + "?"
            + urlencode({"request__number__exact": obj.number}),
            "can_decide": self.has_decide_permission(request),
            "can_log_mention": request.user.has_perm("tracker.add_mention"),
            "decide_urls": {slug: _page_url(slug, [obj.number]) for slug in (*DECISIONS, "merge")},
        }

    # --- export -------------------------------------------------------------------------

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        """The filtered backlog as CSV, in ranking order, streamed row by row."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        changelist = self.get_changelist_instance(request)
        rows = changelist.queryset.order_by("-score", "number").values_list(*CSV_COLUMNS)
        response = StreamingHttpResponse(
            _csv_lines(rows.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="backlog.csv"'
        return response


# --- helpers ------------------------------------------------------------------------------


def _user(request: HttpRequest) -> User:
    # The admin lets only signed-in staff this far.
    return cast(User, request.user)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def _cell(value: Any) -> Any:
    # Titles come from customers' chats; a spreadsheet must not run one as a formula.
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def _page_url(slug: str, numbers: Iterable[int]) -> str:
    name = (
        "admin:tracker_featurerequest_merge"
        if slug == "merge"
        else "admin:tracker_featurerequest_decide"
    )
    kwargs = {} if slug == "merge" else {"slug": slug}
    return reverse(name, kwargs=kwargs) + "?" + urlencode({"ids": ",".join(map(str, numbers))})


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


def _row(obj: FeatureRequest) -> dict[str, Any]:
    return {"obj": obj, "criticality": Criticality(obj.effective_criticality).label}


def _preview(slug: str, selected: list[FeatureRequest], data: dict[str, Any]) -> dict[str, Any]:
    """What the confirmation page shows: each request before and after, and who is told."""
    numbers = [obj.number for obj in selected]
    if slug == "status":
        threads = Mention.objects.of_requests(numbers).values("thread_id").distinct().count()
        return {
            "changes": [
                (obj, obj.get_status_display(), Status(data["status"]).label) for obj in selected
            ],
            "threads_told": threads,
            "public_note": data["public_note"],
        }
    weights = Weights.from_settings()
    changes = []
    for obj in selected:
        priority = data["priority"] if slug == "priority" else obj.priority
        criticality = obj.effective_criticality
        if slug == "criticality":
            criticality = data["criticality"] or obj.mention_criticality
        after = rank(
            weighted_customers=obj.demand_weight,
            criticality=criticality,
            priority=priority,
            weights=weights,
        )
        label = (
            f"{Priority(priority).label}"
            if slug == "priority"
            else f"{Criticality(criticality).label}"
        )
        before = (
            Priority(obj.priority).label
            if slug == "priority"
            else Criticality(obj.effective_criticality).label
        )
        changes.append((obj, f"{before} · score {obj.score:g}", f"{label} · score {after.score:g}"))
    return {"changes": changes}


def _merge_preview(survivor: FeatureRequest, selected: list[FeatureRequest]) -> dict[str, Any]:
    """The survivor's figures once every selected request is merged into it."""
    numbers = {survivor.number, *(obj.number for obj in selected)}
    after = Mention.objects.of_requests(numbers).aggregate(
        customers=Count("thread__account", distinct=True),
        mentions=Count("id"),
        threads=Count("thread", distinct=True),
    )
    moved = [obj for obj in selected if obj.number != survivor.number]
    return {
        "survivor": survivor,
        "merged": moved,
        "after": after,
    }
