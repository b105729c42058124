"""The rising page: which wishes gain customers now. The requests that gained the most
distinct customers in the last 7 and 30 days, in customers and relative to those they had,
per product area, each with a small chart of its last weeks; and the requests the most
valuable plans raised this month. Everyone who may see the backlog may see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tracker.admin.charts import Sparkline, WeeklyChart, chart_of
from tracker.admin.requests.pages import BacklogPage
from tracker.choices import Plan, Status
from tracker.models import FeatureRequest, ProductArea
from tracker.rising import (
    WINDOWS,
    Growth,
    raised_by_valuable_plans,
    rising,
    valuable_plans,
)
from tracker.rising import customers_per_week_of as weekly_counts

TOP = 10
TOP_MAX = 50
SPARKLINE = Sparkline()


@dataclass(frozen=True)
class Row:
    """One request of a list, with what the list says of it."""

    number: int
    title: str
    status: str
    area: str
    url: str
    figure: str
    detail: str
    chart: WeeklyChart

    @property
    def sparkline(self) -> SafeString:
        """The chart as inline SVG, drawn here rather than in the template: forty rows of a
        dozen bars each are thousands of template nodes, a third of the page's time. The bars
        hold numbers and ISO dates only (typed so in `Bar`), nothing to escape: written with
        one f-string each, as format_html's escaping of 500 numbers was a tenth of the page."""
        chart = self.chart
        bars = mark_safe(  # noqa: S308 (numbers and dates, see above)
            "".join(
                f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" '
                f'height="{bar.height}"><title>{bar.week.isoformat()}: {bar.customers}'
                "</title></rect>"
                for bar in chart.bars
            )
        )
        return format_html(
            '<svg class="sparkline" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"'
            ' aria-label="{label}">{bars}</svg>',
            w=chart.width,
            h=chart.height,
            label=gettext("Customers per week, at most %(peak)s") % {"peak": chart.peak},
            bars=bars,
        )


def _top(raw: str | None) -> int:
    if raw and raw.isdecimal() and len(raw) <= 2:
        return min(max(int(raw), 1), TOP_MAX)
    return TOP


def _area_choice(raw: str | None, areas: dict[int, ProductArea]) -> int | str | None:
    if raw == "none":
        return "none"
    if raw and raw.isdecimal() and len(raw) <= 18 and int(raw) in areas:
        return int(raw)
    return None


def _percent(row: Growth, days: int) -> str:
    ratio = row.relative(days)
    return gettext("new") if ratio is None else f"+{ratio * 100:.0f}%"


class RisingPage(BacklogPage):
    def rising_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        areas = {area.pk: area for area in ProductArea.objects.all()}
        area = _area_choice(request.GET.get("area"), areas)
        top = _top(request.GET.get("top"))
        grown = rising(top=top, area=area)
        lists = []
        for days in WINDOWS:
            lists.append(
                (
                    "absolute",
                    days,
                    ngettext(
                        "Most new customers in the last %(days)d day",
                        "Most new customers in the last %(days)d days",
                        days,
                    )
                    % {"days": days},
                    grown.lists["absolute", days],
                )
            )
            lists.append(
                (
                    "relative",
                    days,
                    ngettext(
                        "Fastest growing in the last %(days)d day, relative to their customers",
                        "Fastest growing in the last %(days)d days, relative to their customers",
                        days,
                    )
                    % {"days": days},
                    grown.lists["relative", days],
                )
            )
        plans = raised_by_valuable_plans(top=top, area=area)
        numbers = sorted(
            {g.number for *_, shown in lists for g in shown} | {p.number for p in plans}
        )
        requests = FeatureRequest.objects.in_bulk(numbers)
        counts = weekly_counts(numbers=numbers, weeks=SPARKLINE.weeks)

        def row(number: int, figure: str, detail: str) -> Row:
            obj = requests[number]
            return Row(
                number=number,
                title=obj.title,
                # Not get_status_display(), which hashes every status's lazy label a call.
                status=str(Status(obj.status).label),
                area=str(areas[obj.area_id]) if obj.area_id in areas else "—",
                url=reverse("admin:tracker_featurerequest_change", args=[number]),
                figure=figure,
                detail=detail,
                chart=chart_of(counts.get(number, {}), size=SPARKLINE, fixed_weeks=True),
            )

        sections = []
        for kind, days, title, shown in lists:
            sections.append(
                {
                    "kind": kind,
                    "days": days,
                    "title": title,
                    "rows": [
                        row(
                            g.number,
                            _percent(g, days) if kind == "relative" else f"+{g.new[days]}",
                            gettext("%(before)d → %(after)d customers")
                            % {"before": g.before(days), "after": g.customers},
                        )
                        for g in shown
                    ],
                }
            )
        plan_rows = [
            row(
                p.number,
                f"{p.weight:g}",
                " · ".join(
                    f"{Plan(plan).label} {n}"
                    for plan, n in sorted(p.accounts.items(), key=lambda item: -item[1])
                ),
            )
            for p in plans
        ]
        summary = [
            {
                "name": str(areas[a.area_id]) if a.area_id in areas else gettext("No area"),
                "new": [a.new[days] for days in WINDOWS],
                "requests": a.requests,
                "url": "?area=" + (str(a.area_id) if a.area_id else "none"),
            }
            for a in grown.areas
        ]
        context: dict[str, Any] = {
            "sections": sections,
            "plan_rows": plan_rows,
            "plans": ", ".join(str(Plan(plan).label) for plan in valuable_plans()),
            # Named by the calendar (not a phrase in the catalogs, which name no time frame).
            "month": timezone.localdate(),
            "summary": summary,
            "windows": WINDOWS,
            "areas": sorted(areas.values(), key=str),
            "area": area,
            "backlog_url": reverse("admin:tracker_featurerequest_changelist"),
        }
        return self.render_page(request, "rising.html", _("What is rising"), context)
