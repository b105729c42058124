"""Benchmark: the similar search's stored vectors and the duplicates queue at 100,000
requests on PostgreSQL, under gunicorn with production settings.

    .venv/bin/python -m bench.similar_vectors [--requests 100000] [--searches 300] [--docs]
    .venv/bin/python -m bench.similar_vectors --suite --docs     (what `make bench` runs)

On its own it drops and recreates the database `tracker_similar_bench` (or --database-url),
migrates it, fills it with `manage.py generate_load` (requests at full scale; mentions,
accounts and threads fewer, which the search never reads), gives every request a
description of its own (three phrases of generate_load's vocabulary in the title's
language: 100,000 distinct texts to encode, as in life, where generate_load repeats 4,200
titles), adds the test sets' requests, and makes every vector with `embed_requests --all`.

With --suite it makes none of that: embedding 100,000 requests takes minutes, and
bench/suite.py has just done it at its largest size. It measures the suite's database
`tracker_suite_100` (or --database-url) as the suite left it, takes the time to embed all
from the stored vectors' timestamps, and adds the test sets' requests where missing.

Then it measures:

- `manage.py embed_requests --all`: the time to make all 100,000 vectors and to find the
  likely duplicates among them, and that process's peak memory;
- what the worker's thread spends per poll: finding requests without a vector, the sweep
  for edited ones, and making one new request's vector and pairs;
- GET /api/requests/similar/?q=…: the first search of a fresh web process (it loads the
  encoder and every vector), then p50 and p95 over queries in three languages, the share
  of the test sets' queries whose request is among the first three, and the web process's
  resident memory;
- GET /admin/tracker/featurerequest/duplicates/: the duplicates queue, first page and a
  deep one;
- intake (POST /api/intake/) against the bare DRF insert, alternating rounds, while the
  notification worker makes each new request's vector beside them (gunicorn with one
  worker per core, as bench/suite.py runs it).

It prints the figures as a Markdown table, with --docs also into docs/benchmarks.md (between
the bench:similar markers), and exits non-zero when a target is missed: search p50 and p95
under 50 ms, the queue under 300 ms, intake at least half the bare insert's rate.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import common, intake

ROOT = common.ROOT
PYTHON = common.PYTHON
DEFAULT_URL = common.database_url("tracker_similar_bench")
# bench/suite.py's largest size, its vectors made by its own embed_requests.
SUITE_URL = common.database_url("tracker_suite_100")
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:similar:start -->", "<!-- bench:similar:end -->"
SEARCH_TARGET_MS = 50.0
QUEUE_TARGET_MS = 300.0
INTAKE_SHARE = 0.5


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url")
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=3, help="per intake round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating intake rounds")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--docs", action="store_true", help="write docs/benchmarks.md")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database a previous run left, without making data or vectors",
    )
    parser.add_argument(
        "--suite",
        action="store_true",
        help="measure the database bench/suite.py left at its largest size, vectors made",
    )
    args = parser.parse_args(argv)
    url = args.database_url or (SUITE_URL if args.suite else DEFAULT_URL)
    reuse = args.reuse or args.suite

    env = common.production_env(url, TRACKER_NOTIFY_POLL_SECONDS="0.2")
    os.environ.update(env)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures: dict[str, Any] = {"suite": args.suite, "database": url.rpartition("/")[2]}

    # The admin's pages need their static files, as in production, whatever the database.
    manage("collectstatic", "--no-input", "-v0")
    if not reuse:
        recreate_database(url)
        manage("migrate", "--no-input")
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

    from tracker.models import FeatureRequest

    if args.suite:
        figures |= stamped_embedding()
    elif not reuse:
        distinct_descriptions()
    meant = test_sets()
    intake_channel()
    token, cookie = product_manager()
    figures["requests"] = FeatureRequest.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()

    if not reuse:
        figures |= embed_all()
    else:
        # The test sets' requests, and any the suite's intake added after its embedding.
        began = time.perf_counter()
        manage("embed_requests", "--no-progress")
        say(f"embed_requests for what was missing: {time.perf_counter() - began:.0f} s")
    figures |= worker_costs()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    connection.close()

    with common.gunicorn(env, workers=1) as server:
        figures |= searches(server.port, token, args.searches, meant)
        figures["web_rss_mb"] = worker_rss_mb(server.pid)
        say(f"web process: {figures['web_rss_mb']:.0f} MB resident")
        figures |= queue(server.port, cookie)
    figures |= intake_beside_the_worker(env, token, args.seconds, args.rounds)
    figures["machine"] = f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"

    text = report(figures)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))
    if args.docs:
        common.write_section(DOCS, START, END, text)
        say(f"wrote {DOCS.relative_to(ROOT)}")
    met = (
        figures["search_p50"] < SEARCH_TARGET_MS
        and figures["search_p95"] < SEARCH_TARGET_MS
        and figures["queue_p95"] < QUEUE_TARGET_MS
        and figures["intake"] >= INTAKE_SHARE * figures["insert"]
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


def test_sets() -> dict[str, int]:
    """The requests of the test sets (bench/similar_set.py and similar_cross_set.py), so
    that the search's answers can be checked among 100,000 others: those already there
    (the suite adds the same-language set; a reused database has both), the rest made."""
    from bench.similar_cross_set import REQUESTS
    from bench.similar_set import TITLES
    from tracker.models import FeatureRequest

    titles = {f"same:{key}": title for key, title in TITLES.items()}
    titles |= {f"cross:{key}": title for key, (_, title) in REQUESTS.items()}
    # The newest request of each title: the test sets' came after generate_load's.
    there = dict(
        FeatureRequest.objects.filter(title__in=titles.values())
        .order_by("number")
        .values_list("title", "number")
    )
    missing = [t for t in dict.fromkeys(titles.values()) if t not in there]
    made = FeatureRequest.objects.bulk_create([FeatureRequest(title=t) for t in missing])
    there |= {row.title: row.number for row in made}
    say(f"test sets: {len(titles) - len(missing)} requests there, {len(missing)} added")
    return {key: there[title] for key, title in titles.items()}


def intake_channel() -> None:
    """The channel bench/intake.py's clients log into (the suite made it already)."""
    from tracker.models import Channel

    Channel.objects.get_or_create(slug="hooks-main", defaults={"name": "Hooks", "kind": "log"})


def stamped_embedding() -> dict[str, Any]:
    """How long the suite's embed_requests took, from the vectors it stored: each batch is
    stamped by the database's clock as it commits, so the first stamp to the last is the
    time to make every vector and find the pairs (all but the first batch's)."""
    from django.db.models import Count, Max, Min

    from tracker.models import FeatureRequest, RequestVector

    stamps = RequestVector.objects.aggregate(
        n=Count("pk"), first=Min("embedded_at"), last=Max("embedded_at")
    )
    if not stamps["n"]:
        raise SystemExit("the suite's database has no vectors: run `python -m bench.suite` first")
    figures = {
        "embedded": stamps["n"],
        "embed_span_s": (stamps["last"] - stamps["first"]).total_seconds(),
        "suite_requests": FeatureRequest.objects.count(),
    }
    say(f"the suite embedded {figures['embedded']:,} requests in {figures['embed_span_s']:.0f} s")
    return figures


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


def embedded(said: str) -> dict[str, Any]:
    """What `embed_requests` says it did: vectors made, and pairs found, each in how long."""
    vectors, vector_s, pairs, pair_s = re.findall(
        r"Embedded ([\d,]+) requests .* in ([\d.]+) s; ([\d,]+) likely duplicate pairs found"
        r" in ([\d.]+) s",
        said,
    )[0]
    return {
        "embedded": int(vectors.replace(",", "")),
        "embed_s": float(vector_s),
        "pairs": int(pairs.replace(",", "")),
        "pairs_s": float(pair_s),
    }


def embed_all() -> dict[str, Any]:
    began = time.perf_counter()
    said = manage("embed_requests", "--all", "--no-progress")
    total = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = embedded(said) | {"embed_total_s": total, "embed_rss_mb": peak}
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

    queries = [(q, f"same:{m}", "same") for q, m in PARAPHRASES]
    queries += [(q, f"cross:{m}", "tuning") for q, m in TUNING]
    queries += [(q, f"cross:{m}", "held_out") for q, m in HELD_OUT]
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
    latencies, hits = [], {"same": 0, "tuning": 0, "held_out": 0}
    for i in range(max(calls, len(queries))):
        query, key, part = queries[i % len(queries)]
        elapsed, top = search(query)
        latencies.append(elapsed)
        if i < len(queries):
            hits[part] += meant[key] in top
    sizes = {"same": len(PARAPHRASES), "tuning": len(TUNING), "held_out": len(HELD_OUT)}
    figures: dict[str, Any] = {
        "first_search_s": first / 1000,
        "searches": len(latencies),
        "search_p50": statistics.median(latencies),
        "search_p95": statistics.quantiles(latencies, n=20)[-1],
    }
    for part, size in sizes.items():
        figures[f"found_{part}"] = [hits[part], size]
    say(
        f"similar search: first {figures['first_search_s']:.1f} s, p50"
        f" {figures['search_p50']:.1f} ms, p95 {figures['search_p95']:.1f} ms; found in the"
        " first three: " + ", ".join(f"{part} {hits[part]}/{size}" for part, size in sizes.items())
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


def intake_beside_the_worker(
    env: dict[str, str], token: str, seconds: int, rounds: int
) -> dict[str, Any]:
    """Intake against the bare DRF insert, alternating rounds, while the notification
    worker runs beside them and makes each new request's vector: intake itself makes
    none, and the worker's thread competes for the same cores."""
    from tracker.embeddings.store import missing_numbers

    paths = {"insert": "/api/bench/insert/", "intake": "/api/intake/"}
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", "deliver_notifications"], cwd=ROOT, env=env
    )
    try:
        with common.gunicorn(env) as server:
            for path in paths.values():
                intake.throughput(server.port, token, path, 1, 16)  # warm up
            rates: dict[str, list[float]] = {key: [] for key in paths}
            for number in range(rounds):
                for key in paths if number % 2 == 0 else reversed(paths):
                    rates[key].append(
                        intake.throughput(server.port, token, paths[key], seconds, 16)
                    )
        # The worker catches up with what intake logged.
        began = time.perf_counter()
        while missing_numbers() and time.perf_counter() - began < 300:
            time.sleep(0.5)
        caught_up = time.perf_counter() - began
        left = len(missing_numbers())
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    figures = {key: statistics.median(values) for key, values in rates.items()}
    figures |= {"worker_caught_up_s": caught_up, "worker_left": left}
    say(
        f"intake {figures['intake']:.0f}/s, bare insert {figures['insert']:.0f}/s"
        f" ({figures['intake'] / figures['insert']:.2f}); the worker had every vector"
        f" {caught_up:.1f} s after the last round ({left} left)"
    )
    return figures


def share(found: list[int]) -> str:
    hits, size = found
    return f"{hits}/{size} ({hits / size:.0%})"


def report(f: dict[str, Any]) -> str:
    if f["suite"]:
        made_by = (
            "the suite's own `embed_requests` at its 100% size (vectors and likely"
            " duplicates, from the first batch's timestamp to the last's;"
            " bench/suite.py's table splits the same run)"
        )
        embedding = [
            (
                f"time to embed all {f['embedded']:,} requests",
                f"{f['embed_span_s']:.0f} s ({f['embed_span_s'] / 60:.1f} min)",
                "",
            ),
        ]
    elif "embedded" not in f:  # --reuse: the vectors were made by an earlier run
        made_by = "an earlier run (`--reuse`: embedding is not timed here)"
        embedding = []
    else:
        made_by = "`embed_requests --all` in this run"
        embedding = [
            (f"time to embed all {f['embedded']:,} requests: vectors", f"{f['embed_s']:.0f} s", ""),
            ("then the likely duplicates among them", f"{f['pairs_s']:.0f} s", ""),
            ("`embed_requests --all`: peak memory", f"{f['embed_rss_mb']:.0f} MB", ""),
            ("likely duplicate pairs found", f"{f['pairs']:,}", ""),
        ]
    ratio = f["intake"] / f["insert"]
    rows = [
        ("similar search, p50", f"{f['search_p50']:.1f} ms", "under 50 ms"),
        ("similar search, p95", f"{f['search_p95']:.1f} ms", "under 50 ms"),
        (
            "first search of a new web process (loads the encoder and every vector)",
            f"{f['first_search_s']:.1f} s",
            "",
        ),
        ("memory of a web process after searching", f"{f['web_rss_mb']:.0f} MB", "stated"),
        ("request meant among the first three: same language", share(f["found_same"]), "100%"),
        ("across languages, tuning part", share(f["found_tuning"]), "90%"),
        ("across languages, held-out part", share(f["found_held_out"]), "90%"),
        *embedding,
        (
            "intake, POST /api/intake/, with the worker embedding beside it",
            f"{f['intake']:.0f} req/s",
            "",
        ),
        ("bare DRF insert, same server", f"{f['insert']:.0f} req/s", ""),
        ("intake ÷ bare insert", f"{ratio:.2f}", "at least 0.5"),
        (
            "the worker had every new request's vector, after intake's last round",
            f"{f['worker_caught_up_s']:.1f} s",
            "",
        ),
        ("duplicates queue, p50", f"{f['queue_p50']:.0f} ms", "under 300 ms"),
        ("duplicates queue, p95", f"{f['queue_p95']:.0f} ms", "under 300 ms"),
        ("duplicates queue, page 20, p50", f"{f['queue_deep_p50']:.0f} ms", ""),
        ("worker poll (every 2 s): new requests without a vector", f"{f['poll_ms']:.0f} ms", ""),
        ("worker sweep (every 60 s): all unmade or edited", f"{f['sweep_ms']:.0f} ms", ""),
        ("worker: one new request's vector and pairs", f"{f['one_new_ms']:.0f} ms", ""),
        ("loading every vector into a process", f"{f['load_vectors_s']:.1f} s", ""),
    ]
    command = "python -m bench.similar_vectors" + (" --suite" if f["suite"] else "")
    lines = [
        f"Measured by `{command}` (`make bench` runs it after the suite) on"
        f" {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {f['requests']:,} requests in"
        f" `{f['database']}` on PostgreSQL, their vectors made by {made_by}. Searches and the"
        f" queue through gunicorn with one sync worker (production settings), {f['searches']}"
        " searches in turn, queries in English, Russian and Japanese from the test sets;"
        " intake through gunicorn with one worker per core, 16 clients, alternating rounds."
        f" Machine: {f['machine']} at the end, shared with other work.",
        "",
        "| what | measured | target |",
        "|---|---|---|",
    ]
    lines += [f"| {what} | {value} | {target} |" for what, value, target in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
