"""Reads for the rising page: which requests gained the most distinct customers lately, and
which the most valuable plans raised this month.

A customer is new to a request when the account's first mention of it (or of a request
merged into it) falls in the window: intake marks that mention (`Mention.new_customer`), and
a merge unmarks those of the duplicate's customers the request kept had already. So the
growth of every request is read from one partial index of the last 30 days' new customers,
never from the requests' histories.
Every figure of the page is one query here, whatever the number of rows shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from tracker.models import FeatureRequest, Mention

WINDOWS = (7, 30)


@dataclass(frozen=True)
class Growth:
    """A request's new distinct customers in the last 7 and 30 days."""

    number: int
    area_id: int | None
    customers: int
    new: dict[int, int]

    def before(self, days: int) -> int:
        """Its distinct customers before the window."""
        return self.customers - self.new[days]

    def relative(self, days: int) -> float | None:
        """Growth over the window as a share of the customers before it; None for a request
        nobody had raised before (growth from nothing has no ratio)."""
        before = self.before(days)
        return self.new[days] / before if before > 0 else None


@dataclass(frozen=True)
class AreaGrowth:
    area_id: int | None
    new: dict[int, int]
    requests: int


@dataclass(frozen=True)
class Rising:
    """The lists of the page, by ("absolute" or "relative", days), best first; and the new
    customers of every area."""

    lists: dict[tuple[str, int], list[Growth]]
    areas: list[AreaGrowth]


# Ranked and cut in the database: the page gets its forty rows, not the ten thousand requests
# that gained a customer this month. The new customers per request come from the partial
# index alone (`new`), then move to the request they are tracked under (`grown`: merges are
# one level deep), which gives the area and the customers (`candidates`); both read the
# requests through the `request_rising` index alone. Each list is the top of those candidates
# (ORDER BY … LIMIT: a top-N sort), numbered in its order; the areas' sums are one more branch
# over the same candidates, so the page's growth is one statement. {materialized} keeps
# PostgreSQL from folding `new` into a join that scans every request.
_GROWTH_SQL = """
WITH new AS {materialized} (
    SELECT request_id,
           CAST(SUM(CASE WHEN created_at >= %(short_since)s THEN 1 ELSE 0 END) AS INTEGER)
               AS short,
           CAST(COUNT(*) AS INTEGER) AS long
    FROM tracker_mention
    WHERE new_customer AND created_at >= %(long_since)s
    GROUP BY request_id
),
grown AS {materialized} (
    SELECT COALESCE(r.duplicate_of_id, r.number) AS number,
           CAST(SUM(new.short) AS INTEGER) AS short, CAST(SUM(new.long) AS INTEGER) AS long
    FROM new JOIN tracker_featurerequest r ON r.number = new.request_id
    GROUP BY COALESCE(r.duplicate_of_id, r.number)
),
candidates AS {materialized} (
    SELECT g.number, s.area_id, s.customer_count AS customers, g.short, g.long
    FROM grown g JOIN tracker_featurerequest s ON s.number = g.number
    WHERE {area}
)
{lists}
UNION ALL
SELECT NULL, NULL, NULL, NULL, area_id, COUNT(*), SUM(short), SUM(long)
FROM candidates
GROUP BY area_id
"""

_LIST_SQL = """
SELECT '{kind}', {days}, ROW_NUMBER() OVER (ORDER BY {order}),
       number, area_id, customers, short, long
FROM (SELECT * FROM candidates WHERE {new} > 0{eligible} ORDER BY {order} LIMIT %(top)s)
     AS top_{kind}_{days}
"""

# Most new customers first; then, relative to the customers before the window, the requests
# somebody had raised before (growth from nothing has no ratio).
_ORDER = {
    "absolute": ("", "{new} DESC, number"),
    "relative": (
        " AND customers > {new}",
        "CAST({new} AS DOUBLE PRECISION) / (customers - {new}) DESC, {new} DESC, number",
    ),
}
_KINDS = [(kind, days) for days in WINDOWS for kind in _ORDER]

# No limit: every request that gained a customer.
_EVERY = 1 << 62


def rising(
    *, top: int | None, area: int | str | None = None, now: datetime | None = None
) -> Rising:
    """The `top` requests (not merged into another; None: every one) that gained the most
    customers in the last 7 and 30 days, in customers and relative to those they had, and
    each area's new customers; `area` an area's id, "none" for requests in no area, None
    for all. One query, whatever `top` is."""
    now = now or timezone.now()
    short, long = min(WINDOWS), max(WINDOWS)
    params: dict[str, Any] = {
        "short_since": now - timedelta(days=short),
        "long_since": now - timedelta(days=long),
        "top": _EVERY if top is None else top,
    }
    where = _in_area(area, params)
    lists = []
    for kind, days in _KINDS:
        eligible, order = _ORDER[kind]
        column = "short" if days == short else "long"
        lists.append(
            _LIST_SQL.format(
                kind=kind,
                days=days,
                new=column,
                eligible=eligible.format(new=column),
                order=order.format(new=column),
            )
        )
    sql = _GROWTH_SQL.format(
        materialized=_MATERIALIZED[connection.vendor == "postgresql"],
        area=where,
        lists="UNION ALL".join(lists),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    ranked: dict[tuple[str, int], list[tuple[int, Growth]]] = {key: [] for key in _KINDS}
    areas = []
    for kind, days, rank, number, area_id, customers, new_short, new_long in found:
        new = {short: int(new_short), long: int(new_long)}
        if kind is None:
            areas.append(AreaGrowth(area_id=area_id, new=new, requests=customers))
        else:
            row = Growth(number=number, area_id=area_id, customers=customers, new=new)
            ranked[kind, days].append((rank, row))
    return Rising(
        lists={
            key: [row for _, row in sorted(rows, key=lambda r: r[0])]
            for key, rows in ranked.items()
        },
        areas=sorted(areas, key=lambda a: (-a.new[long], a.area_id or 0)),
    )


def growth(*, area: int | str | None = None, now: datetime | None = None) -> list[Growth]:
    """Every request (not merged into another) that gained a customer in the last 30 days."""
    return rising(top=None, area=area, now=now).lists["absolute", max(WINDOWS)]


_MATERIALIZED = {True: "MATERIALIZED", False: ""}


def _in_area(area: int | str | None, params: dict[str, Any]) -> str:
    """The condition on the request `s` that narrows a list to `area` (an area's id, "none"
    for requests in no area, None for all), its parameter added to `params`."""
    if area is None:
        return "1 = 1"
    if area == "none":
        return "s.area_id IS NULL"
    params["area"] = int(area)
    return "s.area_id = %(area)s"


@dataclass(frozen=True)
class PlanDemand:
    number: int
    # Distinct accounts on each valuable plan that raised it this month, and their weight.
    accounts: dict[str, int]
    weight: float


def valuable_plans() -> list[str]:
    """The plans whose customers weigh the most: the two highest weights."""
    weights = settings.TRACKER_PLAN_WEIGHTS
    top = sorted(set(weights.values()), reverse=True)[:2]
    return [plan for plan, weight in weights.items() if weight in top]


# The month's mentions are read first, through the (created_at, thread, request) index alone,
# and only then joined to their threads and accounts: walked the other way round, PostgreSQL
# reads every mention of every thread of those accounts. Each account counts once per plan
# for the request its mention is tracked under; the weights come in as a VALUES list, and
# only the `top` requests leave the database, with their accounts per plan.
_PLANS_SQL = """
WITH weights (plan, weight) AS (VALUES {weights}),
month AS {materialized} (
    SELECT m.request_id, m.thread_id FROM tracker_mention m WHERE m.created_at >= %(since)s
),
valued AS {materialized} (
    SELECT DISTINCT COALESCE(r.duplicate_of_id, r.number) AS number, a.plan, a.id AS account
    FROM month
    JOIN tracker_thread t ON t.id = month.thread_id
    JOIN tracker_account a ON a.id = t.account_id
    JOIN tracker_featurerequest r ON r.number = month.request_id
    WHERE a.plan IN ({plans})
),
per_plan AS {materialized} (
    SELECT v.number, v.plan, COUNT(*) AS accounts, COUNT(*) * w.weight AS weight
    FROM valued v JOIN weights w ON w.plan = v.plan
    GROUP BY v.number, v.plan, w.weight
),
best AS (
    SELECT p.number, SUM(p.weight) AS weight
    FROM per_plan p {area_join}
    WHERE {area}
    GROUP BY p.number
    ORDER BY SUM(p.weight) DESC, p.number
    LIMIT %(top)s
)
SELECT best.number, best.weight, per_plan.plan, per_plan.accounts
FROM best JOIN per_plan ON per_plan.number = best.number
"""


def raised_by_valuable_plans(
    *, top: int, area: int | str | None = None, now: datetime | None = None
) -> list[PlanDemand]:
    """The requests raised this month (since the first of the month) by the most accounts
    on the most valuable plans, weighted by plan: the `top` of them, in one query."""
    now = now or timezone.now()
    month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    plans = valuable_plans()
    if not plans:
        return []
    weights = settings.TRACKER_PLAN_WEIGHTS
    params: dict[str, Any] = {"since": month, "top": top}
    for i, plan in enumerate(plans):
        params[f"plan{i}"], params[f"weight{i}"] = plan, float(weights[plan])
    where = _in_area(area, params)
    sql = _PLANS_SQL.format(
        materialized=_MATERIALIZED[connection.vendor == "postgresql"],
        plans=", ".join(f"%(plan{i})s" for i in range(len(plans))),
        weights=", ".join(f"(%(plan{i})s, %(weight{i})s)" for i in range(len(plans))),
        area=where,
        # The requests' rows are read only to narrow the list to an area.
        area_join="" if area is None else "JOIN tracker_featurerequest s ON s.number = p.number",
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    demand: dict[int, PlanDemand] = {}
    for number, weight, plan, accounts in found:
        row = demand.setdefault(
            number, PlanDemand(number=number, accounts={}, weight=float(weight))
        )
        row.accounts[plan] = accounts
    return sorted(demand.values(), key=lambda d: (-d.weight, d.number))


def customers_per_week_of(*, numbers: list[int], weeks: int) -> dict[int, dict[date, int]]:
    """For each of these requests, distinct customer accounts raising it (or a request merged
    into it) in each of the last `weeks` weeks, by the Monday of the week: one query for
    all of them, so that a page of small charts costs the same as one."""
    since = timezone.now() - timedelta(weeks=weeks)
    rows = (
        Mention.objects.filter(created_at__gte=since)
        .filter(
            # Merges are one level deep: a mention is of the request or of a duplicate of it.
            request_id__in=[
                *numbers,
                *FeatureRequest.objects.filter(duplicate_of_id__in=numbers).values_list(
                    "number", flat=True
                ),
            ]
        )
        .annotate(
            survivor=Coalesce(F("request__duplicate_of_id"), F("request_id")),
            week=TruncWeek("created_at"),
        )
        .values("survivor", "week")
        .annotate(customers=Count("thread__account", distinct=True))
    )
    counts: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        week = row["week"].date() if isinstance(row["week"], datetime) else row["week"]
        counts[row["survivor"]][week] = row["customers"]
    return counts
