"""Benchmark: intake throughput against a bare DRF insert, and similar-request search
latency with 100,000 requests, under gunicorn on PostgreSQL, in one run.

    .venv/bin/python -m bench.intake [--requests 100000] [--duration 5] [--rounds 3]

It drops and recreates the database `tracker_api_bench` (or --database-url), migrates it,
bulk-creates the requests directly (titles in English, Russian and Japanese), starts
gunicorn on 127.0.0.1 in the production environment with the bench settings
(bench/common.py), and measures with client processes on keep-alive connections:

- POST /api/bench/insert/: a DRF view, token-authenticated like the intake, that validates
  one field and inserts one row: the ceiling for a write through DRF on this machine;
- POST /api/intake/: a new request from a new thread of a new customer (the heaviest
  intake: account, thread, request, history, mention, notification, in one transaction);
- GET /api/requests/similar/?q=…: one client, queries in three languages, latency.

Intake and insert alternate in rounds, so background load falls on both alike; the figure
is the median of the rounds' ratios. Any answer other than 2xx fails the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import sys
import time
from http.client import HTTPConnection

from bench import common
from bench.similar_set import PARAPHRASES, TITLES

THROUGHPUT_TARGET = 0.5
LATENCY_TARGET_MS = 50.0

WORDS = {
    "en": (
        [
            "Export",
            "Import",
            "Sync",
            "Archive",
            "Filter",
            "Sort",
            "Share",
            "Print",
            "Tag",
            "Merge",
            "Duplicate",
            "Schedule",
            "Translate",
            "Encrypt",
            "Preview",
            "Restore",
        ],
        [
            "deals",
            "contacts",
            "invoices",
            "tasks",
            "calendar events",
            "leads",
            "quotes",
            "files",
            "comments",
            "reports",
            "projects",
            "emails",
            "chats",
            "forms",
            "orders",
            "products",
            "companies",
            "workflows",
            "dashboards",
            "user groups",
        ],
        [
            "to XLSX",
            "by date",
            "in the mobile app",
            "for external users",
            "in bulk",
            "with Google",
            "from the kanban board",
            "by responsible person",
            "as PDF",
            "on a schedule",
            "in the REST API",
            "with custom fields",
            "per department",
        ],
    ),
    "ru": (
        [
            "Экспорт",
            "Импорт",
            "Синхронизация",
            "Архивация",
            "Фильтр",
            "Сортировка",
            "Печать",
            "Объединение",
            "Перевод",
            "Шифрование",
            "Восстановление",
            "Планирование",
        ],
        [
            "сделок",
            "контактов",
            "счетов",
            "задач",
            "событий календаря",
            "лидов",
            "предложений",
            "файлов",
            "комментариев",
            "отчётов",
            "проектов",
            "писем",
            "чатов",
            "заказов",
            "товаров",
            "компаний",
            "бизнес-процессов",
        ],
        [
            "в Excel",
            "по дате",
            "в мобильном приложении",
            "для внешних пользователей",
            "массово",
            "с Google",
            "из канбана",
            "по ответственному",
            "в PDF",
            "по расписанию",
            "через REST API",
            "с пользовательскими полями",
        ],
    ),
    "ja": (
        [
            "エクスポート",
            "インポート",
            "同期",
            "アーカイブ",
            "絞り込み",
            "並べ替え",
            "印刷",
            "統合",
            "翻訳",
            "暗号化",
            "復元",
            "予約",
        ],
        [
            "取引",
            "連絡先",
            "請求書",
            "タスク",
            "カレンダーの予定",
            "リード",
            "見積",
            "ファイル",
            "コメント",
            "レポート",
            "プロジェクト",
            "メール",
            "チャット",
            "注文",
            "商品",
            "会社",
        ],
        [
            "をCSVで",
            "を日付順に",
            "をスマホアプリで",
            "を外部ユーザーに",
            "を一括で",
            "をGoogleと",
            "をカンバンから",
            "を担当者別に",
            "をPDFで",
            "を定期的に",
            "をREST APIで",
            "をカスタム項目で",
        ],
    ),
}


def title_for(rng: random.Random) -> str:
    language = rng.choice(["en", "en", "ru", "ja"])
    verbs, things, ways = WORDS[language]
    verb, thing, way = rng.choice(verbs), rng.choice(things), rng.choice(ways)
    if language == "ja":
        return f"{thing}{way}{verb}したい"
    return f"{verb} {thing} {way}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=common.database_url("tracker_api_bench"))
    parser.add_argument("--requests", type=int, default=100_000, help="requests in the DB")
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn")
    parser.add_argument("--searches", type=int, default=300, help="similar-search calls")
    args = parser.parse_args()
    # Stopped from outside, still stop the server (gunicorn's context below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    env = common.production_env(args.database_url)
    common.recreate_database(args.database_url)
    common.manage("migrate", "--no-input", "-v0", env=env)
    common.setup_django(env)
    token, numbers = seed(args.requests)

    with common.gunicorn(env, workers=args.workers) as server:
        pages = {"bare insert": "/api/bench/insert/", "intake": "/api/intake/"}
        for path in pages.values():  # warm up code paths and connections
            throughput(server.port, token, path, 1, args.connections)
        results: dict[str, list[float]] = {name: [] for name in pages}
        for round_number in range(args.rounds):
            order = list(pages) if round_number % 2 == 0 else list(reversed(pages))
            for name in order:
                results[name].append(
                    throughput(server.port, token, pages[name], args.duration, args.connections)
                )
        latencies, found = search_latencies(server.port, token, args.searches, numbers)

    ratios = [i / b for i, b in zip(results["intake"], results["bare insert"], strict=True)]
    ratio = statistics.median(ratios)
    p50 = statistics.median(latencies)
    p95 = statistics.quantiles(latencies, n=20)[-1]
    print(
        f"machine: {os.cpu_count()} CPUs; gunicorn {args.workers} sync workers; "
        f"{args.connections} connections; {args.rounds} rounds of {args.duration:g} s; "
        f"database: PostgreSQL with {args.requests:,} requests"
    )
    for name, figures in results.items():
        print(
            f"{name:12} {statistics.median(figures):8.0f} req/s  (rounds: "
            + ", ".join(f"{f:.0f}" for f in figures)
            + ")"
        )
    print(f"intake / bare insert: {ratio:.2f} (target >= {THROUGHPUT_TARGET})")
    print(
        f"similar search: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(latencies)} calls "
        f"(target < {LATENCY_TARGET_MS:g} ms)"
    )
    ok = ratio >= THROUGHPUT_TARGET and p50 < LATENCY_TARGET_MS
    print(
        f"similar search: the request meant among the first three for {found:.0%} of "
        f"{len(PARAPHRASES)} paraphrases (en, ru, ja), out of {args.requests:,}"
    )
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def seed(count: int) -> tuple[str, dict[str, int]]:
    """Bulk-create the backlog straight into the database, and a product manager's token."""
    from django.db import connections

    numbers = seed_intake(extra=count - len(TITLES))
    with connections["default"].cursor() as cursor:
        # The steady state autovacuum keeps: the GIN index's pending list merged (a bulk
        # load leaves it long, and every search would scan it) and fresh statistics.
        cursor.execute("VACUUM ANALYZE tracker_featurerequest")
    _, token = common.product_manager("bench")
    connections.close_all()
    return token, numbers


def seed_intake(*, extra: int = 0) -> dict[str, int]:
    """The channel the intake clients log into, and the similar search's titles as requests
    (then `extra` made-up ones): the number each paraphrase means."""
    from tracker.models import Channel, FeatureRequest

    Channel.objects.create(slug="hooks-main", name="Hooks", kind="log")
    rng = random.Random(4)  # noqa: S311 - reproducible data, not security
    titles = list(TITLES.values()) + [title_for(rng) for _ in range(extra)]
    created = FeatureRequest.objects.bulk_create(
        [FeatureRequest(title=t, score=rng.random() * 100) for t in titles], batch_size=5000
    )
    return {key: created[i].number for i, key in enumerate(TITLES)}


def _client(port: int, token: str, path: str, deadline: float, seed: int, out: object) -> None:
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    done = 0
    while time.monotonic() < deadline:
        unique = f"{seed}-{done}-{secrets.token_hex(4)}"
        if path.endswith("/intake/"):
            body = {
                "account": {"external_id": f"bench-{unique}.example.com", "plan": "standard"},
                "thread": {"channel": "hooks-main", "ref": f"chat-{unique}", "language": "en"},
                "title": f"Benchmark wish {unique}",
                "criticality": "normal",
                "quote": "We would love this.",
            }
        else:
            body = {"external_id": f"bare-{unique}"}
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        response.read()
        if response.status not in (200, 201):
            raise SystemExit(f"{path} answered {response.status}")
        done += 1
    out.put(done)  # type: ignore[attr-defined]


def throughput(port: int, token: str, path: str, duration: float, connections: int) -> float:
    return common.clients_rate(
        _client, (port, token, path), count=connections, seconds=duration, grace=60, label=path
    )


def search_latencies(
    port: int, token: str, calls: int, numbers: dict[str, int]
) -> tuple[list[float], float]:
    """Latencies of the similar search, and the share of paraphrases whose request is
    among the first three answers out of the whole backlog."""
    from urllib.parse import urlencode

    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}"}
    latencies = []
    hits = 0
    for i in range(calls + 20):
        query, meant = PARAPHRASES[i % len(PARAPHRASES)]
        started = time.perf_counter()
        connection.request(
            "GET", "/api/requests/similar/?" + urlencode({"q": query}), headers=headers
        )
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            raise SystemExit(f"similar search for {query!r} answered {response.status}: {body!r}")
        if i < len(PARAPHRASES):
            hits += numbers[meant] in [r["number"] for r in json.loads(body)[:3]]
        if i >= 20:  # the first calls warm up the worker and the index pages
            latencies.append(elapsed)
    return latencies, hits / len(PARAPHRASES)


if __name__ == "__main__":
    sys.exit(main())
