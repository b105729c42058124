"""Benchmark: the product managers' backlog in Django admin with 100,000 requests.

    .venv/bin/python -m bench.admin_backlog [--requests 100000] [--runs 30] [--write-docs]

It uses its own PostgreSQL database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tracker_bench_admin), creates and migrates it, and fills
it once with requests, accounts, threads and mentions bulk-created directly (demand figures
and scores computed from the generated mentions by the real ranking function). Then a
product manager, signed in through Django's test client, opens the backlog and a few
filtered pages; it reports the median and 95th percentile time of each page and the number
of database queries. --write-docs puts the table into docs/admin.md.

The production environment (bench/common.py), except plain static file storage, so that the
admin's templates render without collectstatic.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import timedelta
from typing import Any

from bench import common

DEFAULT_URL = common.database_url("tracker_bench_admin")
TARGET_MS = 300
DOCS = common.ROOT / "docs" / "admin.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"

WORDS = (
    "export deals XLSX calendar sync Google dark theme mobile app two-factor SMS tasks "
    "recurring report designer telegram open channel signature bulk edit stages "
    "выгрузка сделок календарь задачи отчёт подпись напоминания "
    "取引 出力 カレンダー 同期 勤怠 通知 タスク"
).split()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30, help="timed renders of each page")
    parser.add_argument("--write-docs", action="store_true", help="update docs/admin.md")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    with common.admin_pages(url):
        _fill(args.requests)
        rows = _measure(args.runs)

    table = _table(rows, args.requests)
    print(table)
    if args.write_docs:
        common.write_section(DOCS, START, END, table)
    unfiltered = rows[0][1]
    print(f"\nbacklog median {unfiltered:.1f} ms (target < {TARGET_MS} ms)")
    return 0 if unfiltered < TARGET_MS else 1


def _fill(count: int) -> None:
    """Bulk-creates `count` requests with skewed demand, unless the database has them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from tracker.choices import CRITICALITY_RANK, Criticality, Language, Plan, Priority, Status
    from tracker.models import Account, Channel, FeatureRequest, Mention, Thread
    from tracker.ranking import Weights, plan_weight, rank

    have = FeatureRequest.objects.count()
    if have >= count:
        print(f"{have} requests already in the database; reusing them")
        return
    rng = random.Random(42)  # noqa: S311 - synthetic data, not security
    weights = Weights.from_settings()
    now = timezone.now()
    started = time.perf_counter()
    with transaction.atomic():
        channels = [
            Channel.objects.get_or_create(slug=slug, defaults={"name": slug, "kind": "log"})[0]
            for slug in ("b24-main", "hooks-main", "slack-main")
        ]
        plans = list(Plan.values)
        accounts = Account.objects.bulk_create(
            [
                Account(external_id=f"bench{i}.example", name=f"Bench {i}", plan=rng.choice(plans))
                for i in range(Account.objects.count(), 20_000)
            ],
            batch_size=5_000,
        ) or list(Account.objects.all())
        threads = Thread.objects.bulk_create(
            [
                Thread(
                    channel=rng.choice(channels),
                    ref=f"bench-chat{i}",
                    account=rng.choice(accounts),
                    language=rng.choice(Language.values),
                )
                for i in range(Thread.objects.count(), 60_000)
            ],
            batch_size=5_000,
        ) or list(Thread.objects.select_related("account"))
        statuses = [Status.UNDER_REVIEW] * 6 + [Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE]
        criticalities = list(Criticality.values)
        for start in range(have, count, 5_000):
            requests, mentions = [], []
            for i in range(start, min(start + 5_000, count)):
                # Demand is skewed: most wishes come from one customer, a few from hundreds.
                n = min(int(rng.paretovariate(1.3)), 300)
                picked = rng.sample(threads, n)
                crits = [rng.choice(criticalities) for _ in picked]
                when = [now - timedelta(days=rng.randint(0, 720)) for _ in picked]
                accounts_seen = {t.account_id: t.account.plan for t in picked}
                demand = sum(plan_weight(plan) for plan in accounts_seen.values())
                top = max(crits, key=lambda c: CRITICALITY_RANK[Criticality(c)])
                priority = rng.choice([Priority.NONE] * 8 + list(Priority.values))
                request = FeatureRequest(
                    title=" ".join(rng.sample(WORDS, 4)).capitalize() + f" {i}",
                    description=" ".join(rng.choices(WORDS, k=20)),
                    status=rng.choice(statuses),
                    priority=priority,
                    customer_count=len(accounts_seen),
                    demand_weight=demand,
                    mention_count=n,
                    mention_criticality=top,
                    last_raised_at=max(when),
                    score=rank(
                        weighted_customers=demand,
                        criticality=top,
                        priority=priority,
                        weights=weights,
                    ).score,
                )
                requests.append(request)
                mentions.append((request, picked, crits, when))
            FeatureRequest.objects.bulk_create(requests)
            Mention.objects.bulk_create(
                [
                    Mention(
                        request=request,
                        thread=thread,
                        criticality=crit,
                        quote=" ".join(rng.choices(WORDS, k=8)),
                    )
                    for request, picked, crits, _ in mentions
                    for thread, crit in zip(picked, crits, strict=True)
                ],
                batch_size=10_000,
            )
            print(f"  {start + len(requests)} requests", end="\r", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"created {count - have} requests and {Mention.objects.count()} mentions "
        f"in {time.perf_counter() - started:.0f} s"
    )


PAGES = [
    ("backlog, first page (ranked)", ""),
    # The count stops at 1,001 rows (tracker.pagination): page 10 is the deepest it lists.
    ("page 10", "?p=10"),
    ("status: under review", "?status__exact=under_review"),
    ("language: ja (EXISTS over mentions)", "?language=ja"),
    ("plan: enterprise + last 30 days", "?plan=enterprise&raised=30d"),
    ("search: a title word", "?q=calendar"),
]


def _measure(runs: int) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    user, _ = common.product_manager("bench-pm")
    client = Client()
    client.force_login(user)
    backlog = reverse("admin:tracker_featurerequest_changelist")
    rows = []
    for label, query in PAGES:
        url = backlog + query
        for _ in range(3):  # warm caches and connections
            _check(client.get(url), url)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            _check(response, url)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        p95 = statistics.quantiles(timings, n=20)[-1]
        rows.append((label, statistics.median(timings), p95, len(queries)))
    return rows


def _check(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")


def _table(rows: list[tuple[str, float, float, int]], count: int) -> str:
    lines = [
        f"| page ({count:,} requests, PostgreSQL) | median ms | p95 ms | queries |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {label} | {median:.1f} | {p95:.1f} | {n} |" for label, median, p95, n in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
