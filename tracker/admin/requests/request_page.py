"""A request's own page: the form edits its wording; beside it, why it ranks where it does,
customers per week, every mention, the status history, the latest decisions and what was
merged into it. Its History is the whole decision log."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tracker.admin.charts import weekly_customers
from tracker.admin.forms import WordingForm
from tracker.admin.requests.decisions import decision_urls
from tracker.admin.requests.pages import BacklogPage, acting_user
from tracker.choices import Criticality, Priority
from tracker.models import Decision, FeatureRequest
from tracker.ranking import Ranking, Weights
from tracker.selectors import request_overview
from tracker.services import request_edit
from tracker.services.public_text import request_set_public_title

MENTIONS_SHOWN = 100
# The latest decisions on the request's page; its History pages through all of them.
DECISIONS_SHOWN = 20
DECISIONS_PER_PAGE = 100
# Read-only on the form: what the decision pages set, and what the services keep.
DECIDED = ("status", "decline_reason", "duplicate_of", "criticality_shown", "priority")
DEMAND = (
    "customer_count",
    "demand_weight",
    "mention_count",
    "mention_criticality",
    "last_raised_at",
    "score",
    "created_by",
    "created_at",
    "status_changed_at",
)


class RequestPage(BacklogPage):
    form = WordingForm
    # Status, demand, score, priority and criticality change only through the decision pages
    # and the services; the form edits the wording.
    readonly_fields = [*DECIDED, "criticality", *DEMAND]
    fieldsets = [
        (None, {"fields": ["title", "description", "kind"]}),
        (
            _("Public title per language (the status page and customers' threads)"),
            {"fields": ["public_title_en", "public_title_ru", "public_title_ja"]},
        ),
        (_("Decisions (through the buttons above)"), {"fields": DECIDED}),
        (_("Demand, kept by the services"), {"classes": ["collapse"], "fields": DEMAND}),
    ]

    def save_model(
        self, request: HttpRequest, obj: FeatureRequest, form: Any, change: bool
    ) -> None:
        # The change form edits only the wording, through request_edit like every other
        # change, so the status page shows the new title at once (adding goes through the
        # intake form of add_view instead).
        data = form.cleaned_data
        saved = request_edit(
            number=obj.number,
            title=data["title"],
            description=data["description"],
            kind=data["kind"],
            by=acting_user(request),
        )
        obj.title = saved.title
        titles = form.public_titles()
        if titles is not None:
            request_set_public_title(number=obj.number, titles=titles, by=acting_user(request))

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
            context.update(self._overview(request, obj))
        return super().change_view(request, object_id, form_url, context)

    def _overview(self, request: HttpRequest, obj: FeatureRequest) -> dict[str, Any]:
        overview = request_overview(request=obj, mentions_shown=MENTIONS_SHOWN)
        return {
            "ranking": overview.ranking,
            "score_rows": explained(overview.ranking),
            "mentions": overview.mentions,
            "mention_total": overview.mention_total,
            "history": overview.history,
            "duplicates": overview.duplicates,
            "chart": weekly_customers(number=obj.number),
            "notifications_url": reverse("admin:tracker_notification_changelist")
            + "?"
            + urlencode({"request__number__exact": obj.number}),
            "can_decide": self.has_decide_permission(request),
            "can_log_mention": request.user.has_perm("tracker.add_mention"),
            "decide_urls": decision_urls(obj.number),
            **self._latest_decisions(obj),
        }

    # --- the decision log -----------------------------------------------------------------

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The admin's History of a request: its decision log, whichever way each decision
        was taken (these pages, the API, a command), with who, when, before and after."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            # Django's own answer to a missing object: back to the admin's index, with a note.
            return super().history_view(request, object_id, extra_context)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        paginator = Paginator(Decision.objects.of_request(obj.number), DECISIONS_PER_PAGE)
        page = paginator.get_page(request.GET.get(PAGE_VAR, 1))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "decisions": page,
            "page_range": paginator.get_elided_page_range(page.number),
            "page_var": PAGE_VAR,
            "pagination_required": paginator.num_pages > 1,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "object": obj,
            "opts": self.opts,
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/tracker/featurerequest/object_history.html", context
        )

    @staticmethod
    def _latest_decisions(obj: FeatureRequest) -> dict[str, Any]:
        decisions = Decision.objects.of_request(obj.number)
        return {
            "decisions": list(decisions.reverse()[:DECISIONS_SHOWN]),
            "decision_total": decisions.count(),
        }


def explained(ranking: Ranking) -> list[dict[str, Any]]:
    """The score's parts as the request's page explains them, in the user's language (the
    API gives the same parts with their codes)."""
    rows = []
    for part in ranking.parts:
        if part.name == "demand":
            name = gettext("Demand")
            value = part.value
            why = gettext(
                "%(customers)s weighted customer accounts; each doubling adds %(points)s points"
            ) % {"customers": part.value, "points": f"{Weights.from_settings().demand_points:g}"}
        elif part.name == "criticality":
            name = gettext("Criticality")
            value = str(Criticality(part.value).label) if part.value else "—"
            why = gettext("Criticality %(level)s") % {"level": value}
        else:
            name = gettext("Priority")
            value = str(Priority(part.value).label) if part.value else "—"
            why = gettext("Priority %(priority)s") % {"priority": value}
        rows.append(
            {"name": part.name, "label": name, "value": value, "points": part.points, "why": why}
        )
    return rows
