"""Benchmark: the similar search's stored vectors and the duplicates queue at 100,000
requests on PostgreSQL, under gunicorn with production settings.

    .venv/bin/python -m bench.similar_vectors [--requests 100000] [--searches 300]

It drops and recreates the database `tracker_similar_bench` (or --database-url), migrates
it, fills it with `manage.py generate_load` (requests at full scale; mentions, accounts and
threads fewer, which the search never reads), gives every request a description of its
own (three phrases of generate_load's vocabulary in the title's language: 100,000
distinct texts to encode, as in life, where generate_load repeats 4,200 titles), adds the
test sets' requests, and measures:

- `manage.py embed_requests --all`: the time to make all 100,000 vectors and to find the
  likely duplicates among them, and that process's peak memory;
- what the worker's thread spends per poll: finding requests without a vector, the sweep
  for edited ones, and making one new request's vector and pairs;
- GET /api/requests/similar/?q=…: the first search of a fresh web process (it loads the
  encoder and every vector), then p50 and p95 over queries in three languages, the share
  of the test sets' queries whose request is among the first three, and the web process's
  resident memory;
- GET /admin/tracker/featurerequest/duplicates/: the duplicates queue, first page and a
  deep one.

It prints the figures as a Markdown table (for docs/similar.md) and exits non-zero when a
target is missed: search p50 and p95 under 50 ms, the queue under 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/tracker_similar_bench"
SEARCH_TARGET_MS = 50.0
QUEUE_TARGET_MS = 300.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database a previous run left, without making data or vectors",
    )
    args = parser.parse_args(argv)

    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": args.database_url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("REDIS_URL", None)
    os.environ.update(env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures: dict[str, Any] = {"requests": args.requests}

    if not args.reuse:
        recreate_database(args.database_url)
        manage("migrate", "--no-input")
        manage("collectstatic", "--no-input", "-v0")  # the admin's pages, as in production
        began = time.perf_counter()
        n = args.requests
        manage(
            "generate_load",
            f"--requests={n}",
            f"--mentions={n}",
            f"--accounts={max(n // 20, 10)}",
            f"--threads={max(n // 5, 10)}",
            "--no-progress",
        )
        figures["generate_s"] = time.perf_counter() - began
        say(f"generate_load: {figures['generate_s']:.0f} s")

    import django

    django.setup()
    from django.db import connection

    if args.reuse:
        meant = test_set_numbers()
    else:
        distinct_descriptions()
        meant = add_test_sets()
    token, cookie = product_manager()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()

    if not args.reuse:
        figures |= embed_all()
    figures |= worker_costs()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            GUNICORN,
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            "--workers=1",
            "--worker-class=sync",
            "--timeout=120",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port)
        figures |= searches(port, token, args.searches, meant)
        figures["web_rss_mb"] = worker_rss_mb(server.pid)
        say(f"web process: {figures['web_rss_mb']:.0f} MB resident")
        figures |= queue(port, cookie)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    met = (
        figures["search_p50"] < SEARCH_TARGET_MS
        and figures["search_p95"] < SEARCH_TARGET_MS
        and figures["queue_p95"] < QUEUE_TARGET_MS
    )
    return 0 if met else 1


def say(text: str) -> None:
    print(f"  {text}", flush=True)


def manage(*command: str) -> str:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", *command],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def recreate_database(url: str) -> None:
    """A fresh database with a UTF-8 character type: pg_trgm takes its idea of a letter
    from it, and would drop every Cyrillic and kana character under C."""
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8'"
            " LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )


# --- the data ------------------------------------------------------------------------------


def distinct_descriptions() -> None:
    """Every request a description of its own, in its title's language: generate_load
    repeats its 4,200 titles and descriptions, and the encoder makes each distinct text
    once, so without this the time to embed would be that of 8,400 texts."""
    from django.db import connection, transaction

    from tracker.management.commands.generate_load import WORDS
    from tracker.models import FeatureRequest
    from tracker.relevance import title_language

    rng = random.Random(13)  # noqa: S311 - reproducible data, not security
    rows = list(FeatureRequest.objects.values_list("number", "title"))
    for start in range(0, len(rows), 5000):
        chunk = rows[start : start + 5000]
        values: list[int | str] = []
        for number, title in chunk:
            verbs, objects, tails = WORDS[title_language(title)]
            phrases = [
                f"{rng.choice(verbs)} {rng.choice(objects)} {rng.choice(tails)}" for _ in range(3)
            ]
            values += [number, ". ".join(phrases) + "."]
        placeholders = ", ".join(["(%s::bigint, %s)"] * len(chunk))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE tracker_featurerequest AS r SET description = v.description"  # noqa: S608 - placeholders only
                f" FROM (VALUES {placeholders}) AS v(number, description)"
                " WHERE r.number = v.number",
                values,
            )
    say(f"descriptions: {len(rows):,} made distinct")


def add_test_sets() -> dict[str, int]:
    """The requests of the test sets (bench/similar_set.py and similar_cross_set.py),
    so that the search's answers can be checked among 100,000 others."""
    from bench.similar_cross_set import REQUESTS
    from bench.similar_set import TITLES
    from tracker.models import FeatureRequest

    titles = {f"same:{key}": title for key, title in TITLES.items()}
    titles |= {f"cross:{key}": title for key, (_, title) in REQUESTS.items()}
    made = FeatureRequest.objects.bulk_create([FeatureRequest(title=t) for t in titles.values()])
    return {key: row.number for key, row in zip(titles, made, strict=True)}


def test_set_numbers() -> dict[str, int]:
    """The numbers add_test_sets gave, in a database a previous run left."""
    from bench.similar_cross_set import REQUESTS
    from bench.similar_set import TITLES
    from tracker.models import FeatureRequest

    titles = {f"same:{key}": title for key, title in TITLES.items()}
    titles |= {f"cross:{key}": title for key, (_, title) in REQUESTS.items()}
    # The test sets' requests came last, after generate_load's.
    made = dict(
        FeatureRequest.objects.filter(title__in=titles.values())
        .order_by("number")
        .values_list("title", "number")
    )
    return {key: made[title] for key, title in titles.items()}


def product_manager() -> tuple[str, str]:
    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.test import Client
    from rest_framework.authtoken.models import Token

    user, _ = User.objects.get_or_create(username="bench-pm", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="Product managers"))
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return Token.objects.get_or_create(user=user)[0].key, cookie


# --- making the vectors ------------------------------------------------------------------


def embed_all() -> dict[str, Any]:
    began = time.perf_counter()
    said = manage("embed_requests", "--all", "--no-progress")
    total = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    vectors, vector_s, pairs, pair_s = re.findall(
        r"Embedded ([\d,]+) requests .* in ([\d.]+) s; ([\d,]+) likely duplicate pairs found"
        r" in ([\d.]+) s",
        said,
    )[0]
    figures = {
        "embedded": int(vectors.replace(",", "")),
        "embed_s": float(vector_s),
        "pairs": int(pairs.replace(",", "")),
        "pairs_s": float(pair_s),
        "embed_total_s": total,
        "embed_rss_mb": peak,
    }
    say(
        f"embed_requests --all: {figures['embedded']:,} vectors in {figures['embed_s']:.0f} s,"
        f" {figures['pairs']:,} pairs in {figures['pairs_s']:.0f} s, peak {peak:.0f} MB"
    )
    return figures


def worker_costs() -> dict[str, Any]:
    """What the worker's thread spends: each poll looks for requests without a vector,
    each minute it sweeps for edited ones, and a new request costs its vector and pairs."""
    from tracker.embeddings import get_encoder
    from tracker.embeddings.store import (
        missing_numbers,
        newest_number,
        stale_numbers,
        stored_vectors,
    )
    from tracker.embeddings.worker import embed
    from tracker.models import FeatureRequest

    figures: dict[str, Any] = {}
    # A poll looks above the newest number the last one saw; a sweep at everything.
    figures["poll_ms"] = median_ms(lambda: missing_numbers(after=newest_number()), 5)
    figures["sweep_ms"] = median_ms(lambda: (missing_numbers(), stale_numbers()), 3)
    get_encoder()  # loaded before, not counted as loading the vectors
    began = time.perf_counter()
    stored_vectors()
    figures["load_vectors_s"] = time.perf_counter() - began
    timings = []
    for i in range(5):
        number = FeatureRequest.objects.create(
            title=f"Выгрузка счетов в Excel по отделам {i}", description="Нужно каждый месяц."
        ).number
        began = time.perf_counter()
        embed([number])
        timings.append((time.perf_counter() - began) * 1000)
    figures["one_new_ms"] = statistics.median(timings)
    say(
        f"worker: poll {figures['poll_ms']:.0f} ms, sweep {figures['sweep_ms']:.0f} ms,"
        f" one new request {figures['one_new_ms']:.0f} ms (vector and pairs),"
        f" loading the matrix {figures['load_vectors_s']:.1f} s"
    )
    return figures


def median_ms(call: Any, times: int) -> float:
    timings = []
    for _ in range(times):
        began = time.perf_counter()
        call()
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


# --- the web process ---------------------------------------------------------------------


def searches(port: int, token: str, calls: int, meant: dict[str, int]) -> dict[str, Any]:
    from bench.similar_cross_set import HELD_OUT, TUNING
    from bench.similar_set import PARAPHRASES

    queries = [(q, f"same:{m}") for q, m in PARAPHRASES]
    queries += [(q, f"cross:{m}") for q, m in TUNING + HELD_OUT]
    connection = HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Token {token}"}

    def search(query: str) -> tuple[float, list[int]]:
        began = time.perf_counter()
        connection.request(
            "GET", "/api/requests/similar/?" + urlencode({"q": query}), headers=headers
        )
        response = connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 200:
            raise SystemExit(f"similar search for {query!r} answered {response.status}: {body!r}")
        return elapsed, [r["number"] for r in json.loads(body)[:3]]

    first, _ = search("Export deals to Excel")
    latencies, hits = [], {"same": 0, "cross": 0}
    for i in range(calls):
        query, key = queries[i % len(queries)]
        elapsed, top = search(query)
        latencies.append(elapsed)
        if i < len(queries):
            hits[key.split(":")[0]] += meant[key] in top
    figures = {
        "first_search_s": first / 1000,
        "search_p50": statistics.median(latencies),
        "search_p95": statistics.quantiles(latencies, n=20)[-1],
        "found_same": hits["same"] / len(PARAPHRASES),
        "found_cross": hits["cross"] / len(TUNING + HELD_OUT),
    }
    say(
        f"similar search: first {figures['first_search_s']:.1f} s, p50"
        f" {figures['search_p50']:.1f} ms, p95 {figures['search_p95']:.1f} ms; found in the"
        f" first three: {figures['found_same']:.0%} same language,"
        f" {figures['found_cross']:.0%} across languages"
    )
    return figures


def queue(port: int, cookie: str) -> dict[str, Any]:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)

    def get(path: str) -> float:
        began = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        elapsed = (time.perf_counter() - began) * 1000
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
        return elapsed

    url = "/admin/tracker/featurerequest/duplicates/"
    get(url)
    first = [get(url) for _ in range(30)]
    deep = [get(url + "?page=20") for _ in range(10)]
    figures = {
        "queue_p50": statistics.median(first),
        "queue_p95": statistics.quantiles(first, n=20)[-1],
        "queue_deep_p50": statistics.median(deep),
    }
    say(
        f"duplicates queue: p50 {figures['queue_p50']:.0f} ms, p95 {figures['queue_p95']:.0f}"
        f" ms; page 20 p50 {figures['queue_deep_p50']:.0f} ms"
    )
    return figures


def worker_rss_mb(master: int) -> float:
    """The resident memory of gunicorn's one worker, the web process that searched."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    status = Path(f"/proc/{children[0]}/status").read_text()
    kilobytes = int(re.findall(r"VmRSS:\s+(\d+) kB", status)[0])
    return kilobytes / 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(port: int) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def report(f: dict[str, Any]) -> str:
    embedding = (
        [
            ("`embed_requests --all`: vectors", f"{f['embed_s']:.0f} s", ""),
            ("`embed_requests --all`: likely duplicates", f"{f['pairs_s']:.0f} s", ""),
            ("`embed_requests --all`: peak memory", f"{f['embed_rss_mb']:.0f} MB", ""),
            ("likely duplicate pairs found", f"{f['pairs']:,}", ""),
        ]
        if "embed_s" in f
        else []
    )
    rows = [
        ("similar search, p50", f"{f['search_p50']:.1f} ms", "under 50 ms"),
        ("similar search, p95", f"{f['search_p95']:.1f} ms", "under 50 ms"),
        ("first search of a new web process", f"{f['first_search_s']:.1f} s", ""),
        ("memory of a web process after searching", f"{f['web_rss_mb']:.0f} MB", ""),
        ("request meant among the first three, same language", f"{f['found_same']:.0%}", ""),
        ("request meant among the first three, across languages", f"{f['found_cross']:.0%}", ""),
        *embedding,
        ("duplicates queue, p50", f"{f['queue_p50']:.0f} ms", "under 300 ms"),
        ("duplicates queue, p95", f"{f['queue_p95']:.0f} ms", "under 300 ms"),
        ("duplicates queue, page 20, p50", f"{f['queue_deep_p50']:.0f} ms", ""),
        ("worker poll (every 2 s): new requests without a vector", f"{f['poll_ms']:.0f} ms", ""),
        ("worker sweep (every 60 s): all unmade or edited", f"{f['sweep_ms']:.0f} ms", ""),
        ("worker: one new request's vector and pairs", f"{f['one_new_ms']:.0f} ms", ""),
        ("loading every vector into a process", f"{f['load_vectors_s']:.1f} s", ""),
    ]
    lines = [
        f"{f['requests']:,} requests on PostgreSQL, gunicorn with one sync worker:",
        "",
        "| what | measured | target |",
        "|---|---|---|",
    ]
    lines += [f"| {what} | {value} | {target} |" for what, value, target in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
