"""Benchmark: the rising page and the backlog with its area and owner columns, at 100,000
requests and 1,000,000 mentions.

    .venv/bin/python -m bench.admin_rising [--requests 100000] [--mentions 1000000]
                                           [--runs 20] [--write-docs]

It uses its own PostgreSQL database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tracker_bench_rising), creates and migrates it, and fills
it once in SQL (generate_series: a million mentions made in Python would take minutes):
product areas, accounts on every plan, threads, requests in areas with owners, and mentions
skewed in demand (a few requests raised by hundreds of customers) and in time (two years,
denser lately, with some requests raised mostly in the last weeks). The demand figures and
scores are then computed from those mentions with the ranking formula's weights.

A product manager, signed in through Django's test client, opens each page; the median and
95th percentile time and the number of database queries of each are reported, at two page
sizes where a page has one, so that a count that grew with the page would show.
--write-docs puts the table into docs/benchmarks.md (its own section).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any

from bench import common

DEFAULT_URL = common.database_url("tracker_bench_rising")
TARGET_MS = 300
DOCS = common.ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:admin-rising:start -->", "<!-- bench:admin-rising:end -->"
AREAS = 12


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--mentions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="timed renders of each page")
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    with common.admin_pages(url):
        fill(args.requests, args.mentions)
        rows = measure(args.runs)

    table = render(rows, args)
    print(table)
    if args.write_docs:
        common.write_section(DOCS, START, END, table)
    slow = [label for label, median, *_ in rows if median >= TARGET_MS]
    print(f"\npages at or over {TARGET_MS} ms (median): {slow or 'none'}")
    return 1 if slow else 0


def fill(requests: int, mentions: int) -> None:
    """Creates the data set in SQL unless the database holds it already."""
    from django.conf import settings
    from django.db import connection, transaction

    from tracker.models import FeatureRequest, Mention

    have = FeatureRequest.objects.count()
    if have >= requests and Mention.objects.count() >= mentions * 0.9:
        print(f"{have} requests already in the database; reusing them")
        return
    if have:
        raise SystemExit("a partly filled database: drop it (DROP DATABASE) and run again")
    started = time.perf_counter()
    plans = settings.TRACKER_PLAN_WEIGHTS
    crit = settings.TRACKER_CRITICALITY_POINTS
    prio = settings.TRACKER_PRIORITY_POINTS
    threads = requests  # one thread a request on average; several a customer
    # Only numbers and the settings' own names go into this SQL; nothing a user typed.
    statements = [
        "SELECT setseed(0.42)",
        f"""INSERT INTO tracker_productarea (name, name_ru, name_ja)
            SELECT 'Area ' || i, 'Раздел ' || i, '領域 ' || i FROM generate_series(1, {AREAS}) i""",  # noqa: S608
        """INSERT INTO tracker_channel (slug, name, kind, config, secrets, is_active, pause_reason,
                                        needs_person, probe_failures)
            SELECT 'bench-' || i, 'Bench ' || i, 'log', '{}', '{}', true, '', false, 0
            FROM generate_series(1, 3) i""",
        # Cheaper plans are more common.
        """INSERT INTO tracker_account (external_id, name, plan, created_at)
            SELECT 'bench' || i || '.example', 'Bench ' || i,
                   (ARRAY['free','free','free','basic','basic','standard','standard',
                          'professional','enterprise'])[1 + floor(random() * 9)::int], now()
            FROM generate_series(1, 20000) i""",
        f"""INSERT INTO tracker_thread (channel_id, ref, account_id, language, created_at)
            SELECT (SELECT min(id) FROM tracker_channel) + (i % 3), 'bench-chat' || i,
                   (SELECT min(id) FROM tracker_account) + floor(random() * 20000)::int,
                   (ARRAY['en','ru','ja'])[1 + (i % 3)], now()
            FROM generate_series(1, {threads}) i""",  # noqa: S608
        f"""INSERT INTO tracker_featurerequest
              (title, description, kind, status, decline_reason, criticality, priority,
               area_id, owner_id, customer_count, demand_weight, mention_count,
               mention_criticality, score, created_at, status_changed_at)
            SELECT 'Bench request ' || i || ' ' ||
                   (ARRAY['export','calendar','выгрузка','通知','tasks','sync'])[1 + i % 6],
                   '', 'suggestion',
                   (ARRAY['under_review','under_review','under_review','under_review',
                          'accepted','in_progress','done'])[1 + floor(random() * 7)::int],
                   '', '',
                   (ARRAY['none','none','none','none','none','p1','p2','p3','p4'])
                       [1 + floor(random() * 9)::int],
                   CASE WHEN i % 10 = 0 THEN NULL
                        ELSE (SELECT min(id) FROM tracker_productarea) + i % {AREAS} END,
                   NULL, 0, 0, 0, 'low', 0, now() - interval '730 days', now()
            FROM generate_series(1, {requests}) i""",  # noqa: S608
        # Demand skewed by a power of random(); the time skewed too: most mentions are old,
        # every 50th request is mostly raised in the last weeks.
        f"""INSERT INTO tracker_mention
              (request_id, thread_id, created_at, quote, criticality, steps, started_how,
               expected, actual, attachments, new_customer)
            SELECT r.number, t.first + floor(random() * {threads})::int,
                   now() - CASE WHEN r.number % 50 = 0 THEN random() * interval '40 days'
                                ELSE power(random(), 0.7) * interval '720 days' END,
                   'bench', (ARRAY['low','normal','normal','high','critical'])
                       [1 + floor(random() * 5)::int], '', '', '', '', '[]'::jsonb, false
            FROM (SELECT (SELECT min(number) FROM tracker_featurerequest)
                         + floor(power(random(), 3) * {requests})::int AS number
                  FROM generate_series(1, {mentions})) r,
                 (SELECT min(id) AS first FROM tracker_thread) t
            ON CONFLICT DO NOTHING""",  # noqa: S608
        # Each account's first mention of a request marks a new customer, as intake does
        # (and as migration 0013 marks the mentions made before it).
        """UPDATE tracker_mention SET new_customer = TRUE WHERE id IN (
              SELECT id FROM (
                SELECT m.id, ROW_NUMBER() OVER (
                    PARTITION BY m.request_id, t.account_id ORDER BY m.created_at, m.id) AS n
                FROM tracker_mention m JOIN tracker_thread t ON t.id = m.thread_id) ranked
              WHERE n = 1)""",
        f"""WITH figures AS (
              SELECT m.request_id AS number, count(DISTINCT t.account_id) AS customers,
                     count(*) AS mentions, max(m.created_at) AS last_at,
                     max(CASE m.criticality WHEN 'critical' THEN 3 WHEN 'high' THEN 2
                                            WHEN 'normal' THEN 1 ELSE 0 END) AS top
              FROM tracker_mention m JOIN tracker_thread t ON t.id = m.thread_id
              GROUP BY m.request_id),
            weights AS (
              SELECT request_id AS number, sum(w) AS weight FROM (
                SELECT DISTINCT m.request_id, a.id,
                       CASE a.plan {" ".join(f"WHEN '{p}' THEN {w}" for p, w in plans.items())}
                       ELSE 1 END AS w
                FROM tracker_mention m JOIN tracker_thread t ON t.id = m.thread_id
                JOIN tracker_account a ON a.id = t.account_id) d
              GROUP BY request_id)
            UPDATE tracker_featurerequest r
            SET customer_count = f.customers, mention_count = f.mentions,
                last_raised_at = f.last_at, demand_weight = w.weight,
                mention_criticality = (ARRAY['low','normal','high','critical'])[f.top + 1]
            FROM figures f JOIN weights w USING (number) WHERE r.number = f.number""",  # noqa: S608
        f"""UPDATE tracker_featurerequest SET score = round((
              {settings.TRACKER_DEMAND_POINTS} * log(2, 1 + demand_weight::numeric)
              + CASE mention_criticality
                    {" ".join(f"WHEN '{c}' THEN {p}" for c, p in crit.items())} ELSE 0 END
              + CASE priority
                    {" ".join(f"WHEN '{c}' THEN {p}" for c, p in prio.items())} ELSE 0 END
            )::numeric, 2)""",  # noqa: S608
        "VACUUM ANALYZE",
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements[:-1]:
            cursor.execute(sql)
        _owners(cursor, requests)
    with connection.cursor() as cursor:
        cursor.execute(statements[-1])
    print(
        f"created {FeatureRequest.objects.count()} requests and {Mention.objects.count()} "
        f"mentions in {time.perf_counter() - started:.0f} s"
    )


def _owners(cursor: Any, requests: int) -> None:
    """Five product managers; every third request has one of them as its owner."""
    ids = [common.product_manager(f"bench-owner{i}")[0].pk for i in range(5)]
    cursor.execute(
        "UPDATE tracker_featurerequest SET owner_id = (%s::int[])[1 + number %% 5] "
        "WHERE number %% 3 = 0",
        [ids],
    )


def pages() -> list[tuple[str, str]]:
    from django.urls import reverse

    from tracker.models import FeatureRequest, ProductArea

    backlog = reverse("admin:tracker_featurerequest_changelist")
    rising = reverse("admin:tracker_featurerequest_rising")
    area = ProductArea.objects.order_by("pk").values_list("pk", flat=True).first()
    owner = common.product_manager("bench-owner1")[0].pk
    # Page 50 at full scale; a page that exists at a smaller one.
    # The default view counts at most 1,001 rows (tracker.pagination): page 10 is the last.
    page = 10 if FeatureRequest.objects.count() >= 20_000 else 5
    return [
        ("backlog, first page (the why column, area and owner filters)", backlog),
        (f"backlog, page {page}", f"{backlog}?p={page}"),
        ("backlog: one area", f"{backlog}?area={area}"),
        ("backlog: one area, one owner", f"{backlog}?area={area}&owner={owner}"),
        ("rising: every area", rising),
        ("rising: every area, 5 a list", f"{rising}?top=5"),
        ("rising: one area", f"{rising}?area={area}"),
    ]


def measure(runs: int) -> list[tuple[str, float, float, int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    user, _ = common.product_manager("bench-pm")
    client = Client()
    client.force_login(user)
    rows = []
    for label, url in pages():
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
        print(f"  {label}: {rows[-1][1]:.1f} ms, {len(queries)} queries", flush=True)
    return rows


def _check(response: Any, url: str) -> None:
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")


def render(rows: list[tuple[str, float, float, int]], args: argparse.Namespace) -> str:
    from tracker.models import FeatureRequest, Mention

    lines = [
        "## The rising page and the backlog with areas and owners",
        "",
        f"{FeatureRequest.objects.count():,} requests, {Mention.objects.count():,} mentions, "
        f"{AREAS} product areas, PostgreSQL, `DEBUG=0`, Django's test client signed in as a "
        f"product manager; {args.runs} renders a page after 3 warm-ups, on a shared development "
        f"machine (other work was running: load average {os.getloadavg()[1]:.1f} on "
        f"{os.cpu_count()} cores over the run's last 5 minutes). Target: under "
        f"{TARGET_MS} ms, the query count the same at any page size. Reproduce: "
        "`.venv/bin/python -m bench.admin_rising --write-docs`.",
        "",
        "| page | median ms | p95 ms | queries |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {label} | {median:.1f} | {p95:.1f} | {n} |" for label, median, p95, n in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
