"""Benchmark suite: every figure next to its floor, at several data sizes, on PostgreSQL.

    .venv/bin/python -m bench.suite [--sizes 0.01,0.1,1] [--seconds 2] [--rounds 3]

For each size (a fraction of `manage.py generate_load`'s defaults: 100,000 requests,
1,000,000 mentions, 50,000 accounts, 200,000 threads) it drops and creates the database
`tracker_suite_<percent>` on 127.0.0.1:5432, migrates it, runs generate_load, adds what the
measurements need (a product manager with a token and a session, the paraphrase set of the
similar search, one request raised from 10,000 threads on a signed webhook channel), makes
every request's vector with `manage.py embed_requests` (timed: the similar search then
works from real vectors, as it does once the worker has caught up), runs VACUUM ANALYZE,
starts gunicorn as in production (DEBUG=0, one sync worker per core, static files collected
and served by WhiteNoise, plain http on 127.0.0.1; bench/common.py) with the bench settings,
which add the floors' URLs, and measures, each figure next to its floor in the same run:

- the ranked backlog (top 50, status=under_review) through the API and through admin,
  against the raw SQL that returns the same rows, timed with psycopg (median latency);
- intake against the bare DRF insert (bench/intake.py's clients, alternating rounds);
- the status page against the bare Django view (bench/status_page.py's wrk runs);
- the similar-request search (bench/intake.py's latency loop);
- one status change fanning out to 10,000 threads and its delivery by four workers
  (bench/notifications.py's receiver, workers and timers);
- `manage.py recompute_scores` over all requests.

Then it writes the tables into docs/benchmarks.md (between the bench:suite markers; the
notifications section there is left as it is) and draws docs/benchmarks.png. It exits
non-zero when the ranked backlog, intake or the status page costs more than 1.5 times as
much at the largest size as at the smallest, or when the backlog query uses no index.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Any

from bench import common, intake, notifications, similar_vectors, status_page

DOCS = common.ROOT / "docs" / "benchmarks.md"
CHART = common.ROOT / "docs" / "benchmarks.png"
START, END = "<!-- bench:suite:start -->", "<!-- bench:suite:end -->"
COMMAND = ".venv/bin/python -m bench.suite"
FLAT = 1.5
STATUS = "under_review"
FAN_OUT = 10_000

# The backlog's columns as the API serializes them, in the order the API ranks them.
BACKLOG_SQL = """
SELECT number, title, kind, status, criticality, mention_criticality, priority, score,
       customer_count, mention_count, last_raised_at, duplicate_of_id, created_at,
       status_changed_at
FROM tracker_featurerequest
WHERE status = %s
ORDER BY score DESC, number
LIMIT %s
"""

# Each figure: key, label, unit, the floor's key and label. Rates (req/s) are turned into
# a cost (ms per request) for ratios and growth, so that above 1 always means dearer.
FIGURES: list[tuple[str, str, str, str | None, str]] = [
    ("api", "ranked backlog, API (top 50, status=under_review)", "ms", "sql50", "raw SQL, 50 rows"),
    ("admin", "ranked backlog, admin (100 rows a page)", "ms", "sql100", "raw SQL, 100 rows"),
    ("intake", "intake, POST /api/intake/", "req/s", "insert", "bare DRF insert"),
    ("status", "status page, GET /status/<number>/", "req/s", "constant", "bare Django view"),
    ("search", "similar-request search (p50)", "ms", None, ""),
    ("embed", "embed_requests: every request's vector and likely duplicates", "s", None, ""),
    ("commit", "status change fanning out to 10,000 threads (commit)", "s", None, ""),
    ("delivery", "its delivery by 4 workers", "/s", None, ""),
    ("recompute", "recompute_scores over all requests", "s", None, ""),
]
FLAT_CHECKED = {"api": "ranked backlog (API)", "admin": "ranked backlog (admin)"}
FLAT_CHECKED |= {"intake": "intake", "status": "status page"}


# --- the parent: one child process per size, then the docs -------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="0.01,0.1,1", help="fractions of the default")
    parser.add_argument("--seconds", type=int, default=2, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs")
    parser.add_argument("--one", type=float, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        return measure_size(args.one, args.seconds, args.rounds, Path(args.out))

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    sizes = sorted(float(s) for s in args.sizes.split(","))
    started = time.monotonic()
    results = []
    with tempfile.TemporaryDirectory(prefix="suite-") as tmp:
        for size in sizes:
            out = Path(tmp) / f"{size}.json"
            print(f"== size {percent(size)} ==", flush=True)
            subprocess.run(  # noqa: S603 - this script, our interpreter
                [
                    common.PYTHON,
                    "-m",
                    "bench.suite",
                    f"--one={size}",
                    f"--out={out}",
                    f"--seconds={args.seconds}",
                    f"--rounds={args.rounds}",
                ],
                check=True,
                cwd=common.ROOT,
            )
            results.append(json.loads(out.read_text()))
    elapsed = time.monotonic() - started
    report = render(results, args, elapsed)
    print(report)
    if not args.no_docs:
        common.write_section(DOCS, START, END, report)
        draw(results)
        print(f"drew {CHART.relative_to(common.ROOT)}")
    return 0 if all(flat_checks(results).values()) and results[-1]["index_used"] else 1


def percent(size: float) -> str:
    return f"{size * 100:g}%"


# --- the child: one size, end to end -----------------------------------------------------


def measure_size(size: float, seconds: int, rounds: int, out: Path) -> int:
    name = "tracker_suite_" + f"{size * 100:g}".replace(".", "_")
    url = common.database_url(name)
    env = common.production_env(
        url,
        STATUS_PAGE_RATE_LIMIT=str(10**9),  # all load comes from one address
        TRACKER_NOTIFY_POLL_SECONDS="0.05",
        TRACKER_NOTIFY_BATCH_SIZE="200",
    )
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    figures: dict[str, Any] = {"size": size, "database": name}

    common.recreate_database(url)
    common.manage("migrate", "--no-input", env=env)
    common.manage("collectstatic", "--no-input", "-v0", env=env)
    began = time.perf_counter()
    common.manage("generate_load", f"--scale={size}", "--no-progress", env=env)
    figures["generate_s"] = time.perf_counter() - began
    print(f"  generate_load: {figures['generate_s']:.0f} s", flush=True)

    common.setup_django(env)
    from django.db import connection

    receiver, port, verified, rejected = notifications.start_receiver()
    fan_out = notifications.fill(threads=FAN_OUT, url=f"http://127.0.0.1:{port}/hooks")
    token, cookie, paraphrased = prepare()
    connection.close()
    figures |= embed(env)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    figures |= counts()
    status_number = status_page.busiest_request()
    connection.close()

    workers: list[subprocess.Popen[bytes]] = []
    try:
        with common.gunicorn(env) as server:
            figures |= backlog(url, server.port, token, cookie, seconds, rounds)
            figures |= explain(url)
            figures |= status(server.port, status_number, seconds, rounds)
            latencies, found = intake.search_latencies(server.port, token, 100, paraphrased)
            figures["search"] = statistics.median(latencies)
            figures["search_p95"] = statistics.quantiles(latencies, n=20)[-1]
            figures["search_found"] = found
            print(f"  similar search: p50 {figures['search']:.1f} ms", flush=True)
            # The outbox holds nothing else yet: intake, measured after, writes notifications.
            workers = notifications.start_workers(4)
            time.sleep(3)  # let the workers start and go idle
            figures["commit"] = notifications.time_status_change(fan_out)
            delivered = notifications.wait_for(verified, FAN_OUT, started=time.perf_counter())
            figures["delivery_s"] = delivered
            figures["delivery"] = FAN_OUT / delivered
            figures["rejected"] = rejected.value
            print(
                f"  fan-out: commit {figures['commit']:.3f} s, {figures['delivery']:.0f}/s",
                flush=True,
            )
            notifications.stop(workers)
            workers = []
            figures |= intake_rates(server.port, token, seconds, rounds)
    finally:
        notifications.stop(workers)
        receiver.terminate()

    began = time.perf_counter()
    said = common.manage("recompute_scores", "--no-progress", env=env)
    figures["recompute"] = time.perf_counter() - began
    figures["recomputed"] = int(re.findall(r"Recomputed (\d+)", said)[0])
    print(f"  recompute_scores: {figures['recompute']:.1f} s", flush=True)
    figures["machine"] = machine(url)
    out.write_text(json.dumps(figures))
    return 0


def prepare() -> tuple[str, str, dict[str, int]]:
    """A product manager's API token and admin session cookie; the intake's channel; the
    requests the similar search's paraphrases mean."""
    from django.conf import settings
    from django.test import Client

    paraphrased = intake.seed_intake()
    user, token = common.product_manager("suite-pm")
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    return token, cookie, paraphrased


def embed(env: dict[str, str]) -> dict[str, Any]:
    """Every request's vector and the likely duplicates among them, as an operator makes
    them after loading data: the similar search measured after works from real vectors."""
    began = time.perf_counter()
    said = common.manage("embed_requests", "--no-progress", env=env)
    elapsed = time.perf_counter() - began
    made = similar_vectors.embedded(said)
    figures = {
        "embed": elapsed,
        "embedded": made["embedded"],
        "embed_vectors_s": made["embed_s"],
        "embed_pairs": made["pairs"],
        "embed_pairs_s": made["pairs_s"],
    }
    print(
        f"  embed_requests: {figures['embedded']:,} vectors and {figures['embed_pairs']:,}"
        f" likely duplicates in {elapsed:.0f} s",
        flush=True,
    )
    return figures


def counts() -> dict[str, int]:
    from tracker.models import Account, FeatureRequest, Mention, Thread

    return {
        "requests": FeatureRequest.objects.count(),
        "mentions": Mention.objects.count(),
        "accounts": Account.objects.count(),
        "threads": Thread.objects.count(),
        "under_review": FeatureRequest.objects.filter(status=STATUS).count(),
    }


# --- the measurements --------------------------------------------------------------------


def http_latencies(port: int, path: str, headers: dict[str, str], seconds: float) -> list[float]:
    """Milliseconds of sequential GETs for `seconds`, at most 5,000; anything but 200 fails."""
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    timings: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(timings) < 5_000:
        started = time.perf_counter()
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        timings.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {body[:300]!r}")
    connection.close()
    return timings


def sql_latencies(url: str, rows: int, seconds: float) -> list[float]:
    """Milliseconds of the backlog query through psycopg, rows fetched, for `seconds`."""
    import psycopg

    timings: list[float] = []
    with psycopg.connect(url, autocommit=True) as connection:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and len(timings) < 50_000:
            started = time.perf_counter()
            connection.execute(BACKLOG_SQL, [STATUS, rows]).fetchall()
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def backlog(
    url: str, port: int, token: str, cookie: str, seconds: int, rounds: int
) -> dict[str, Any]:
    import psycopg

    api_path = f"/api/requests/?status={STATUS}"
    admin_path = f"/admin/tracker/featurerequest/?status__exact={STATUS}"
    api_headers = {"Authorization": f"Token {token}"}
    admin_headers = {"Cookie": cookie}
    # The API returns the rows the raw SQL does, in the same order.
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", api_path, headers=api_headers)
    answer = json.loads(connection.getresponse().read())
    with psycopg.connect(url) as conn:
        expected = [row[0] for row in conn.execute(BACKLOG_SQL, [STATUS, 100]).fetchall()]
    if [r["number"] for r in answer["results"]] != expected[:50]:
        raise SystemExit("the API's backlog is not the raw SQL's rows")
    connection.request("GET", admin_path, headers=admin_headers)
    page = connection.getresponse()
    if page.status != 200 or f"/featurerequest/{expected[0]}/change/".encode() not in page.read():
        raise SystemExit(f"{admin_path} does not list the backlog's first request")
    runs: dict[str, Callable[[float], list[float]]] = {
        "sql50": lambda s: sql_latencies(url, 50, s),
        "api": lambda s: http_latencies(port, api_path, api_headers, s),
        "sql100": lambda s: sql_latencies(url, 100, s),
        "admin": lambda s: http_latencies(port, admin_path, admin_headers, s),
    }
    for run in runs.values():
        run(0.3)  # warm up
    timings: dict[str, list[float]] = {key: [] for key in runs}
    share = seconds / 2  # four measurements; the whole stays short
    for number in range(rounds):
        for key in runs if number % 2 == 0 else reversed(runs):
            timings[key] += runs[key](share)
    figures = {key: statistics.median(values) for key, values in timings.items()}
    figures |= {f"{key}_calls": len(values) for key, values in timings.items()}
    print(
        "  backlog: "
        + ", ".join(f"{key} {value:.2f} ms" for key, value in figures.items() if "_" not in key),
        flush=True,
    )
    return figures


def explain(url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(url) as connection:
        plan = [
            row[0]
            for row in connection.execute(
                "EXPLAIN (ANALYZE, BUFFERS) " + BACKLOG_SQL, [STATUS, 50]
            ).fetchall()
        ]
    indexes = re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", "\n".join(plan))
    return {
        "plan": plan,
        "plan_top": plan[0].strip(),
        "indexes": indexes,
        "index_used": bool(indexes),
    }


def status(port: int, number: int, seconds: int, rounds: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    pages = {"constant": f"{base}/status/benchmark/constant/", "status": f"{base}/status/{number}/"}
    connection = HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", f"/status/{number}/")
    response = connection.getresponse()
    if response.status != 200 or b"<h1>" not in response.read():
        raise SystemExit(f"/status/{number}/ does not show a request")
    measure = (
        status_page.measure_with_wrk if shutil.which("wrk") else status_page.measure_with_python
    )
    for page in pages.values():
        measure(page, 1, 16)  # warm up
    rates: dict[str, list[float]] = {key: [] for key in pages}
    for number_ in range(rounds):
        for key in pages if number_ % 2 == 0 else reversed(pages):
            rates[key].append(measure(pages[key], seconds, 16)[0])
    figures = {key: statistics.median(values) for key, values in rates.items()}
    print(
        f"  status page {figures['status']:.0f}/s, constant {figures['constant']:.0f}/s",
        flush=True,
    )
    return figures


def intake_rates(port: int, token: str, seconds: int, rounds: int) -> dict[str, float]:
    paths = {"insert": "/api/bench/insert/", "intake": "/api/intake/"}
    for path in paths.values():
        intake.throughput(port, token, path, 1, 16)  # warm up
    rates: dict[str, list[float]] = {key: [] for key in paths}
    for number in range(rounds):
        for key in paths if number % 2 == 0 else reversed(paths):
            rates[key].append(intake.throughput(port, token, paths[key], seconds, 16))
    figures = {key: statistics.median(values) for key, values in rates.items()}
    print(f"  intake {figures['intake']:.0f}/s, bare insert {figures['insert']:.0f}/s", flush=True)
    return figures


def machine(url: str) -> dict[str, str]:
    import psycopg

    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = re.search(r"model name\s*:\s*(.+)", cpuinfo)
    memory = re.search(r"MemTotal:\s*(\d+) kB", Path("/proc/meminfo").read_text())
    with psycopg.connect(url) as connection:
        version = connection.execute("SHOW server_version").fetchone()
    return {
        "nproc": str(os.cpu_count()),
        "memory": f"{int(memory.group(1)) / 1024 / 1024:.1f} GiB" if memory else "?",
        "cpu": model.group(1).strip() if model else platform.processor() or "?",
        "postgresql": str(version[0]) if version else "?",
        "python": platform.python_version(),
        "wrk": "wrk" if shutil.which("wrk") else "python clients",
    }


# --- the report --------------------------------------------------------------------------


def cost(figures: dict[str, Any], key: str) -> float:
    """Time-like: more is dearer. Rates become milliseconds per request."""
    value = float(figures[key])
    if key in ("intake", "insert", "status", "constant", "delivery"):
        return 1000 / value
    return value


def shown(figures: dict[str, Any], key: str, unit: str) -> str:
    value = figures[key]
    if unit == "ms":
        return f"{value:.2f} ms" if value < 10 else f"{value:.1f} ms"
    if unit == "s":
        return f"{value:.2f} s"
    return f"{value:,.0f} {unit}"


def flat_checks(results: list[dict[str, Any]]) -> dict[str, bool]:
    small, large = results[0], results[-1]
    return {key: cost(large, key) <= FLAT * cost(small, key) for key in FLAT_CHECKED}


def render(results: list[dict[str, Any]], args: argparse.Namespace, elapsed: float) -> str:
    m = results[-1]["machine"]
    sizes = ",".join(f"{r['size']:g}" for r in results)
    command = COMMAND if sizes == "0.01,0.1,1" else f"{COMMAND} --sizes {sizes}"
    lines = [
        f"Measured by `{command}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{elapsed / 60:.0f} minutes for all sizes.",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu']}), {m['memory']} of memory, PostgreSQL "
        f"{m['postgresql']} on 127.0.0.1, Python {m['python']}; gunicorn with "
        f"{m['nproc']} sync workers, DEBUG=0, static files by WhiteNoise, the local-memory "
        f"cache; load from the same machine ({m['wrk']} for the status page). Each "
        f"measurement lasts about {args.seconds} s per round, {args.rounds} alternating "
        "rounds; the machine is shared with other work, so read ratios rather than times.",
        "",
    ]
    for r in results:
        lines += [
            f"### {percent(r['size'])}: {r['requests']:,} requests, {r['mentions']:,} "
            f"mentions, {r['accounts']:,} accounts, {r['threads']:,} threads",
            "",
            f"Database `{r['database']}`; generate_load took {r['generate_s']:.0f} s; "
            f"{r['under_review']:,} requests under review.",
            "",
            "| figure | median | floor | floor median | × floor |",
            "|---|---:|---|---:|---:|",
        ]
        for key, label, unit, floor, floor_label in FIGURES:
            if key == "search":
                value = f"{r['search']:.1f} ms (p95 {r['search_p95']:.1f} ms)"
            elif key == "delivery":
                value = f"{r['delivery']:,.0f} /s ({r['delivery_s']:.1f} s)"
            elif key == "embed":
                value = (
                    f"{r['embed']:.0f} s ({r['embedded']:,} requests: vectors"
                    f" {r['embed_vectors_s']:.0f} s, pairs {r['embed_pairs_s']:.0f} s)"
                )
            elif key == "recompute":
                value = f"{r['recompute']:.1f} s ({r['recomputed']:,} requests)"
            else:
                value = shown(r, key, unit)
            if floor is None:
                lines.append(f"| {label} | {value} | | | |")
            else:
                ratio = cost(r, key) / cost(r, floor)
                lines.append(
                    f"| {label} | {value} | {floor_label} | {shown(r, floor, unit)} | {ratio:.1f} |"
                )
        lines += [
            "",
            f"Similar search found the request meant among the first three for "
            f"{r['search_found']:.0%} of the paraphrases. The backlog query's plan "
            f"(`EXPLAIN ANALYZE`, status={STATUS}, 50 rows): `{r['plan_top']}`; "
            + (
                "index " + ", ".join(f"`{i}`" for i in dict.fromkeys(r["indexes"]))
                if r["index_used"]
                else "**no index**"
            )
            + ".",
            "",
        ]
    first, last = results[0], results[-1]
    lines += [
        "### Growth with size",
        "",
        "Cost relative to the smallest size (rates as milliseconds per request, so above 1 "
        "is dearer):",
        "",
        "| figure | " + " | ".join(percent(r["size"]) for r in results) + " | "
        f"{percent(last['size'])} / {percent(first['size'])} |",
        "|---|" + "---:|" * (len(results) + 1),
    ]
    for key, label, unit, floor, _ in FIGURES:
        row = [shown(r, key, unit) for r in results]
        lines.append(
            f"| {label} | " + " | ".join(row) + f" | {cost(last, key) / cost(first, key):.2f} |"
        )
        if floor is not None:
            row = [shown(r, floor, unit) for r in results]
            lines.append(
                f"| &nbsp;&nbsp;floor: {dict((f[3], f[4]) for f in FIGURES if f[3])[floor]} | "
                + " | ".join(row)
                + f" | {cost(last, floor) / cost(first, floor):.2f} |"
            )
    checks = flat_checks(results)
    lines += [
        "",
        f"Flat: no more than {FLAT:g} times the cost at {percent(last['size'])} as at "
        f"{percent(first['size'])}"
        + (
            ""
            if last["size"] == 1
            else " (the 100% size was not run: the largest size measured stands in)"
        )
        + ":",
        "",
    ]
    floors = {key: floor for key, _, _, floor, _ in FIGURES if floor}
    for key, name in FLAT_CHECKED.items():
        growth = cost(last, key) / cost(first, key)
        relative = growth / (cost(last, floors[key]) / cost(first, floors[key]))
        lines.append(
            f"- {name}: {growth:.2f}× — {'yes' if checks[key] else '**no**'} "
            f"(relative to its floor, which cancels how busy the machine was: {relative:.2f}×)"
        )
    lines += [
        f"- the backlog query at {percent(last['size'])} uses an index: "
        + ("yes" if last["index_used"] else "**no**"),
        "",
        f"The targets the other issues set, at {percent(last['size'])}:",
        "",
        "| target | figure | met |",
        "|---|---:|---|",
        *[
            f"| {name} | {figure} | {'yes' if met else '**no**'} |"
            for name, figure, met in targets(last)
        ],
        "",
        "![How each figure grows with size](benchmarks.png)",
        "",
        f"Plan of the backlog query at {percent(last['size'])}:",
        "",
        "```",
        *last["plan"],
        "```",
    ]
    return "\n".join(lines)


def targets(r: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """Each target of issues 3 to 6, its figure in this run, and whether it holds."""
    return [
        ("admin backlog renders in under 300 ms", f"{r['admin']:.1f} ms", r["admin"] < 300),
        (
            "intake reaches at least half the bare DRF insert's rate",
            f"{r['intake'] / r['insert']:.2f}",
            r["intake"] / r["insert"] >= 0.5,
        ),
        ("similar search under 50 ms (median)", f"{r['search']:.1f} ms", r["search"] < 50),
        (
            "similar search under 50 ms (p95)",
            f"{r['search_p95']:.1f} ms",
            r["search_p95"] < 50,
        ),
        (
            "status page serves at least 70% of a bare view's rate",
            f"{r['status'] / r['constant']:.0%}",
            r["status"] / r["constant"] >= 0.7,
        ),
        (
            "a status change to 10,000 threads commits in under 1 s",
            f"{r['commit']:.2f} s",
            r["commit"] < 1,
        ),
        (
            "four workers deliver 1,000 or more a second",
            f"{r['delivery']:,.0f} /s",
            r["delivery"] >= 1000 and r["rejected"] == 0,
        ),
    ]


def draw(results: list[dict[str, Any]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    counts = [r["requests"] for r in results]
    figure, (growth, ratios) = plt.subplots(1, 2, figsize=(13, 5.5))
    for key, label, _, floor, _ in FIGURES:
        base = cost(results[0], key)
        growth.plot(counts, [cost(r, key) / base for r in results], marker="o", label=label)
        if floor is not None:
            ratios.plot(
                counts, [cost(r, key) / cost(r, floor) for r in results], marker="o", label=label
            )
    growth.plot(
        counts,
        [n / counts[0] for n in counts],
        color="grey",
        linestyle=":",
        linewidth=1,
        label="proportional to size",
    )
    growth.axhline(FLAT, color="grey", linestyle="--", linewidth=1, label=f"{FLAT:g}× (flat limit)")
    growth.set_title("Cost relative to the smallest size")
    ratios.set_title("Cost relative to its floor, same run")
    for axes in (growth, ratios):
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("requests in the database")
        axes.grid(True, which="both", alpha=0.3)
        axes.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(CHART, dpi=100)


if __name__ == "__main__":
    raise SystemExit(main())
