"""Reads for the rising page: which requests gained the most distinct customers lately, and
which the most valuable plans raised this month.

A customer is new to a request when the account's first mention of it (or of a request
merged into it) falls in the window. Only the mentions of the last 30 days are read, through
the (created_at) index; whether an account had raised the request before is then a look-up
of its few threads in the (thread, request) index, not a scan of the request's history.
Every figure of the page is one query here, whatever the number of rows shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone

from tracker.models import FeatureRequest, Mention

WINDOWS = (7, 30)

_GROWTH_SQL = """
WITH recent AS (
    SELECT COALESCE(r.duplicate_of_id, r.number) AS survivor, t.account_id AS account,
           MIN(m.created_at) AS first_at
    FROM tracker_mention m
    JOIN tracker_thread t ON t.id = m.thread_id
    JOIN tracker_featurerequest r ON r.number = m.request_id
    WHERE m.created_at >= %(since_long)s
    GROUP BY COALESCE(r.duplicate_of_id, r.number), t.account_id
), fresh AS (
    SELECT recent.survivor, recent.first_at FROM recent
    WHERE NOT EXISTS (
        SELECT 1 FROM tracker_thread t2 JOIN tracker_mention m2 ON m2.thread_id = t2.id
        WHERE t2.account_id = recent.account AND m2.request_id = recent.survivor
          AND m2.created_at < %(since_long)s)
      AND NOT EXISTS (
        SELECT 1 FROM tracker_featurerequest d
        JOIN tracker_mention m3 ON m3.request_id = d.number
        JOIN tracker_thread t3 ON t3.id = m3.thread_id
        WHERE d.duplicate_of_id = recent.survivor AND t3.account_id = recent.account
          AND m3.created_at < %(since_long)s)
)
SELECT s.number, s.area_id, s.customer_count,
       SUM(CASE WHEN fresh.first_at >= %(since_short)s THEN 1 ELSE 0 END), COUNT(*)
FROM fresh JOIN tracker_featurerequest s ON s.number = fresh.survivor
WHERE s.status <> 'duplicate' {area}
GROUP BY s.number, s.area_id, s.customer_count
"""


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


def growth(*, area: int | str | None = None, now: datetime | None = None) -> list[Growth]:
    """Every request (not merged into another) that gained a customer in the last 30 days;
    `area` an area's id, "none" for requests in no area, None for all."""
    now = now or timezone.now()
    ops = connection.ops
    params: dict[str, Any] = {
        "since_long": ops.adapt_datetimefield_value(now - timedelta(days=max(WINDOWS))),
        "since_short": ops.adapt_datetimefield_value(now - timedelta(days=min(WINDOWS))),
    }
    where = ""
    if area == "none":
        where = "AND s.area_id IS NULL"
    elif area is not None:
        where = "AND s.area_id = %(area)s"
        params["area"] = int(area)
    with connection.cursor() as cursor:
        cursor.execute(_GROWTH_SQL.format(area=where), params)
        rows = cursor.fetchall()
    short, long = WINDOWS
    return [
        Growth(number=n, area_id=a, customers=c, new={short: int(s), long: int(l_)})
        for n, a, c, s, l_ in rows
    ]


def most_grown(rows: list[Growth], *, days: int, relative: bool, top: int) -> list[Growth]:
    """The `top` requests that gained most, in customers or relative to those before."""
    if relative:
        ranked = [row for row in rows if row.relative(days) is not None and row.new[days]]
        ranked.sort(key=lambda row: (-(row.relative(days) or 0), -row.new[days], row.number))
    else:
        ranked = [row for row in rows if row.new[days]]
        ranked.sort(key=lambda row: (-row.new[days], row.number))
    return ranked[:top]


@dataclass(frozen=True)
class AreaGrowth:
    area_id: int | None
    new: dict[int, int]
    requests: int


def per_area(rows: list[Growth]) -> list[AreaGrowth]:
    """New customers (summed over requests) and growing requests of each area, most first."""
    totals: dict[int | None, dict[int, int]] = defaultdict(lambda: dict.fromkeys(WINDOWS, 0))
    counts: dict[int | None, int] = defaultdict(int)
    for row in rows:
        for days in WINDOWS:
            totals[row.area_id][days] += row.new[days]
        counts[row.area_id] += 1
    areas = [AreaGrowth(area_id=a, new=totals[a], requests=counts[a]) for a in totals]
    return sorted(areas, key=lambda a: (-a.new[max(WINDOWS)], a.area_id or 0))


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


def raised_by_valuable_plans(
    *, top: int, area: int | str | None = None, now: datetime | None = None
) -> list[PlanDemand]:
    """The requests raised this month (since the first of the month) by the most accounts
    on the most valuable plans, weighted by plan."""
    now = now or timezone.now()
    month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    plans = valuable_plans()
    rows = (
        Mention.objects.filter(created_at__gte=month, thread__account__plan__in=plans)
        .annotate(survivor=Coalesce(F("request__duplicate_of_id"), F("request_id")))
        .values("survivor", "thread__account__plan")
        .annotate(accounts=Count("thread__account", distinct=True))
    )
    # The area is the survivor's: a duplicate's mentions count where it was merged.
    if area == "none":
        rows = rows.filter(
            Q(request__duplicate_of__isnull=True, request__area__isnull=True)
            | Q(request__duplicate_of__area__isnull=True, request__duplicate_of__isnull=False)
        )
    elif area is not None:
        rows = rows.filter(
            Q(request__duplicate_of__isnull=True, request__area_id=int(area))
            | Q(request__duplicate_of__area_id=int(area))
        )
    weights = settings.TRACKER_PLAN_WEIGHTS
    found: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        found[row["survivor"]][row["thread__account__plan"]] = row["accounts"]
    demand = [
        PlanDemand(
            number=number,
            accounts=accounts,
            weight=sum(weights[plan] * n for plan, n in accounts.items()),
        )
        for number, accounts in found.items()
    ]
    demand.sort(key=lambda d: (-d.weight, d.number))
    return demand[:top]


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
