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
from collections.abc import Iterable
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
    `area` an area's id, "none" for requests in no area, None for all.

    Two reads: the new customers of the window per request, from the partial index alone;
    then those requests (and the ones their duplicates were merged into) by number. One
    query joining the two makes PostgreSQL scan every request instead."""
    now = now or timezone.now()
    short, long = min(WINDOWS), max(WINDOWS)
    since_short = now - timedelta(days=short)
    counted = (
        Mention.objects.filter(new_customer=True, created_at__gte=now - timedelta(days=long))
        .values("request_id")
        .annotate(
            short=Count("pk", filter=Q(created_at__gte=since_short)),
            long=Count("pk"),
        )
        .order_by()
    )
    new: dict[int, dict[int, int]] = {
        row["request_id"]: {short: row["short"], long: row["long"]} for row in counted
    }
    if not new:
        return []
    found = _with_survivors(new)
    totals: dict[int, dict[int, int]] = defaultdict(lambda: dict.fromkeys(WINDOWS, 0))
    for number, counts in new.items():
        survivor = found[number][0] or number
        for days in WINDOWS:
            totals[survivor][days] += counts[days]
    rows = []
    for number, counts in totals.items():
        _, area_id, customers = found[number]
        if not _in_area(area_id, area):
            continue
        rows.append(Growth(number=number, area_id=area_id, customers=customers, new=counts))
    return rows


def _with_survivors(numbers: Iterable[int]) -> dict[int, tuple[int | None, int | None, int]]:
    """These requests and those their duplicates among them were merged into, by number:
    (merged into, area, distinct customers). Each read by its number, which the primary key
    serves; a join or an OR in one query makes PostgreSQL scan every request."""
    found = _requests_by_number(list(numbers))
    missing = {dup_of for dup_of, _, _ in found.values() if dup_of and dup_of not in found}
    found.update(_requests_by_number(list(missing)))
    return found


def _requests_by_number(numbers: list[int]) -> dict[int, tuple[int | None, int | None, int]]:
    if not numbers:
        return {}
    sql = "SELECT number, duplicate_of_id, area_id, customer_count FROM tracker_featurerequest"
    params: list[Any]
    if connection.vendor == "postgresql":
        # One array parameter: ten thousand placeholders cost more to send and plan.
        sql, params = f"{sql} WHERE number = ANY(%s)", [numbers]
    else:
        sql, params = f"{sql} WHERE number IN ({', '.join(['%s'] * len(numbers))})", numbers
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {number: (dup_of, area, customers) for number, dup_of, area, customers in cursor}


def _in_area(area_id: int | None, area: int | str | None) -> bool:
    """Whether a request in `area_id` is shown when the page is narrowed to `area`."""
    if area is None:
        return True
    if area == "none":
        return area_id is None
    return area_id == int(area)


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


_PLANS_SQL = """
WITH month AS {materialized} (
    SELECT m.request_id, m.thread_id FROM tracker_mention m WHERE m.created_at >= %s
)
SELECT month.request_id, a.plan, a.id
FROM month
JOIN tracker_thread t ON t.id = month.thread_id
JOIN tracker_account a ON a.id = t.account_id
WHERE a.plan IN ({plans})
"""


def raised_by_valuable_plans(
    *, top: int, area: int | str | None = None, now: datetime | None = None
) -> list[PlanDemand]:
    """The requests raised this month (since the first of the month) by the most accounts
    on the most valuable plans, weighted by plan.

    The month's mentions are read first, through the (created_at, thread, request) index
    alone, and only then joined to their threads and accounts: walked the other way round,
    PostgreSQL reads every mention of every thread of those accounts."""
    now = now or timezone.now()
    month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    plans = valuable_plans()
    if not plans:
        return []
    sql = _PLANS_SQL.format(
        materialized="MATERIALIZED" if connection.vendor == "postgresql" else "",
        plans=", ".join(["%s"] * len(plans)),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(month), *plans])
        mentioned = cursor.fetchall()
    numbers = {number for number, _, _ in mentioned}
    requests = _with_survivors(numbers)
    accounts: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for number, plan, account in mentioned:
        survivor = requests[number][0] or number
        accounts[survivor][plan].add(account)
    weights = settings.TRACKER_PLAN_WEIGHTS
    demand = []
    for number, by_plan in accounts.items():
        area_id = requests[number][1]
        if not _in_area(area_id, area):
            continue
        counts = {plan: len(ids) for plan, ids in by_plan.items()}
        demand.append(
            PlanDemand(
                number=number,
                accounts=counts,
                weight=sum(weights[plan] * n for plan, n in counts.items()),
            )
        )
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
