"""Benchmark: the hot paths of issue 18, side by side in one run on PostgreSQL under gunicorn.

    .venv/bin/python -m bench.hot [--scale 1] [--seconds 3] [--rounds 3] [--prepare]

The database `tracker_hot_<percent>` is prepared once and kept (the 1,000,000-mention
preparation takes minutes on a shared 2-core machine): migrate, `generate_load --scale`,
the customers' quotes rewritten into varied words in English, Russian and Japanese
(generate_load writes one sentence for all of them, which no index could tell apart), the
trigram index on the quotes built again afterwards, VACUUM ANALYZE. A later run finds it
ready and only migrates; `--prepare` makes it again. Then gunicorn (2 sync workers,
production settings, REDIS_URL=redis://127.0.0.1:6379/1 so that the status page's rate
limit and pages are shared) and, in alternating rounds so that other load on the machine
falls on all alike:

- the bare DRF insert (token auth, the same database): the floor of a write;
- intake creating a new request (a new account and thread each);
- intake attaching to one request, 8 concurrent clients, each intake a new account and
  thread: a wave of customers on one request;
- the status page and the bare Django view, both with REDIS_URL (wrk);
- the admin backlog searched by a word of the customers' quotes (median latency);

and, outside the server, what the trigram index costs each mention written: 20,000
single-row INSERTs of mentions with and without it, each set rolled back.

It writes its section of docs/benchmarks.md (between the bench:hot markers) and exits
non-zero when a target of issue 18 is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import sys
import time
from datetime import UTC, datetime
from http.client import HTTPConnection
from typing import Any
from urllib.parse import urlencode

from bench import common, intake, status_page

DOCS = common.ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:hot:start -->", "<!-- bench:hot:end -->"
COMMAND = ".venv/bin/python -m bench.hot"
REDIS_URL = "redis://127.0.0.1:6379/1"
CLIENTS = 8
# The word searched for in the customers' quotes, and what must be found.
SEARCH_WORD = "invoices"
INDEX = "mention_quote_trgm"
INDEX_SQL = f"CREATE INDEX {INDEX} ON tracker_mention USING gin (quote gin_trgm_ops)"

# Issue 18's targets.
ATTACH_OF_INSERT = 0.5
ATTACH_OF_NEW = 0.8
SEARCH_MS = 300.0
STATUS_OF_BARE = 0.7


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="of generate_load's sizes")
    parser.add_argument("--seconds", type=float, default=3, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument("--prepare", action="store_true", help="make the database again")
    parser.add_argument(
        "--prepare-only", action="store_true", help="make it ready, measure nothing"
    )
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    name = "tracker_hot_" + f"{args.scale * 100:g}".replace(".", "_")
    url = common.database_url(name)
    env = common.production_env(url, STATUS_PAGE_RATE_LIMIT=str(10**9), REDIS_URL=REDIS_URL)
    started = time.monotonic()
    common.ensure_database(url)
    common.manage("migrate", "--no-input", "-v0", env=env)
    common.setup_django(env)
    prepared = None if args.prepare else ready()
    if prepared is None and not args.prepare and half_prepared():
        print(f"finishing the preparation of {name}", flush=True)
        prepared = finish(generate_s=None, quotes_s=None)
    elif prepared is None:
        print(f"preparing {name} (generate_load --scale={args.scale:g})", flush=True)
        prepared = prepare(url, env, args.scale)
    else:
        print(f"reusing {name}", flush=True)
    if args.prepare_only:
        return 0
    prepared["cookie"] = session_cookie()
    common.manage("collectstatic", "--no-input", "-v0", env=env)
    from django.db import connections

    connections.close_all()

    figures: dict[str, Any] = {**prepared, "database": name, "scale": args.scale}
    figures |= index_cost(url)
    with common.gunicorn(env, workers=2) as server:
        figures |= writes(server.port, prepared, args.seconds, args.rounds)
        figures |= status(
            server.port, server.pid, prepared["status_number"], args.seconds, args.rounds
        )
        figures |= search(server.port, prepared, args.seconds)
    figures["elapsed_s"] = time.monotonic() - started
    report = render(figures, args)
    print(report)
    if not args.no_docs:
        common.write_section(DOCS, START, END, report)
    return 0 if all(met for _, _, met in targets(figures)) else 1


# --- the database, made once ---------------------------------------------------------------


def ready() -> dict[str, Any] | None:
    """What an earlier preparation left (kept in a table of its own), or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_hot')")
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute("SELECT facts FROM bench_hot")
        row = cursor.fetchone()
    return None if row is None else dict(json.loads(row[0]))


def prepare(url: str, env: dict[str, str], scale: float) -> dict[str, Any]:
    from django.db import connection

    connection.close()
    common.recreate_database(url)
    common.manage("migrate", "--no-input", "-v0", env=env)
    with connection.cursor() as cursor:
        # Built once over the finished quotes below, rather than kept in step with a
        # million inserts and a million updates.
        cursor.execute(f"DROP INDEX {INDEX}")
    connection.close()
    began = time.perf_counter()
    common.manage("generate_load", f"--scale={scale}", "--no-progress", env=env)
    generate_s = time.perf_counter() - began
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(quotes_sql())
        cursor.execute(INDEX_SQL)
    quotes_s = time.perf_counter() - began
    intake.seed_intake()
    common.product_manager("hot-pm")
    return finish(generate_s=generate_s, quotes_s=quotes_s)


def half_prepared() -> bool:
    """Whether a preparation got as far as the product manager, and stopped after."""
    from django.contrib.auth.models import User

    return User.objects.filter(username="hot-pm").exists()


def finish(*, generate_s: float | None, quotes_s: float | None) -> dict[str, Any]:
    """The last, light steps of a preparation; what it made, kept in the table bench_hot."""
    from django.db import connection

    from tracker.models import FeatureRequest

    _, token = common.product_manager("hot-pm")
    wave = FeatureRequest.objects.create(title="Outage: deals do not load").number
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    facts = {
        "token": token,
        "wave_number": wave,
        "status_number": status_page.busiest_request(),
        "generate_s": generate_s,
        "quotes_s": quotes_s,
        "prepared_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        **counts(),
    }
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_hot (facts text)")
        cursor.execute("INSERT INTO bench_hot VALUES (%s)", [json.dumps(facts)])
    connection.close()
    return facts


def session_cookie() -> str:
    """The product manager's admin session, made in this run: its SECRET_KEY is new."""
    from django.conf import settings
    from django.test import Client

    user, _ = common.product_manager("hot-pm")
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def quotes_sql() -> str:
    """One UPDATE giving each mention a sentence from bench/intake.py's vocabulary, in one of
    three languages by its id: varied words, as customers write them."""
    cases = []
    for slot, language in enumerate(["en", "en", "ru", "ja"]):
        verbs, things, ways = intake.WORDS[language]

        def pick(words: list[str], salt: str) -> str:
            quoted = ", ".join("'" + w.replace("'", "''") + "'" for w in words)
            # hashtext: the three words of a sentence vary independently of each other.
            return f"(ARRAY[{quoted}])[1 + abs(hashtext(id::text || '{salt}')) % {len(words)}]"

        verb, thing, way = pick(verbs, "v"), pick(things, "t"), pick(ways, "w")
        if language == "ja":
            sentence = f"{thing} || {way} || {verb} || 'したいです'"
        elif language == "ru":
            sentence = f"'Нам нужен ' || lower({verb}) || ' ' || {thing} || ' ' || {way}"
        else:
            sentence = f"'We need to ' || lower({verb}) || ' ' || {thing} || ' ' || {way}"
        cases.append(f"WHEN {slot} THEN {sentence}")
    return f"UPDATE tracker_mention SET quote = CASE id % 4 {' '.join(cases)} END"  # noqa: S608


def counts() -> dict[str, int]:
    from django.db import connection

    figures = {}
    with connection.cursor() as cursor:
        for key, table in [
            ("requests", "tracker_featurerequest"),
            ("mentions", "tracker_mention"),
            ("accounts", "tracker_account"),
        ]:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - our own names
            figures[key] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM tracker_mention WHERE quote ILIKE %s", [f"%{SEARCH_WORD}%"]
        )
        figures["word_mentions"] = cursor.fetchone()[0]
    return figures


# --- what the index costs a write ----------------------------------------------------------


def index_cost(url: str, rows: int = 20_000) -> dict[str, float]:
    """Milliseconds per single-row INSERT of a mention, with the trigram index on the quote
    and without it (dropped inside the transaction), each set rolled back. 20,000 rows fill
    GIN's pending list past its 4 MB at least once, so its merges are in the figure."""
    import psycopg

    def insert_all(connection: psycopg.Connection[Any]) -> float:
        mention = connection.execute(
            "SELECT request_id, thread_id FROM tracker_mention ORDER BY id LIMIT 1"
        ).fetchone()
        if mention is None:
            raise SystemExit("there is no mention to copy")
        began = time.perf_counter()
        for i in range(rows):
            connection.execute(
                "INSERT INTO tracker_mention (request_id, thread_id, created_at, quote, "
                "criticality, steps, started_how, expected, actual, attachments, new_customer) "
                "VALUES (%s, %s, now(), %s, 'normal', '', '', '', '', '[]', false)",
                [mention[0], -1 - i, f"Нам нужна выгрузка счетов {i} в Excel, please {i}"],
            )
        return (time.perf_counter() - began) * 1000 / rows

    results: dict[str, list[float]] = {"with": [], "without": []}
    with psycopg.connect(url) as connection:
        # The inserts refer to no thread: the foreign key is checked at commit, never reached.
        for round_number in range(2):
            for key in ["with", "without"] if round_number % 2 == 0 else ["without", "with"]:
                with connection.transaction(force_rollback=True):
                    connection.execute("SET CONSTRAINTS ALL DEFERRED")
                    if key == "without":
                        connection.execute(f"DROP INDEX {INDEX}")
                    results[key].append(insert_all(connection))
    figures = {f"insert_{key}_ms": statistics.median(v) for key, v in results.items()}
    print(
        f"  a mention's INSERT: {figures['insert_with_ms']:.3f} ms with the index, "
        f"{figures['insert_without_ms']:.3f} ms without",
        flush=True,
    )
    return figures


# --- writes through the API ----------------------------------------------------------------


def _client(
    port: int, token: str, kind: str, number: int, deadline: float, seed: int, out: Any
) -> None:
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    path = "/api/bench/insert/" if kind == "insert" else "/api/intake/"
    done = 0
    while time.monotonic() < deadline:
        unique = f"{kind}-{seed}-{done}-{secrets.token_hex(4)}"
        body: dict[str, Any]
        if kind == "insert":
            body = {"external_id": f"bare-{unique}"}
        else:
            body = {
                "account": {"external_id": f"{unique}.example.com", "plan": "standard"},
                "thread": {"channel": "hooks-main", "ref": f"chat-{unique}", "language": "en"},
                "criticality": "normal",
                "quote": "Deals do not load since this morning.",
            }
            if kind == "new":
                body["title"] = f"Benchmark wish {unique}"
            else:
                body["request_number"] = number
        connection.request("POST", path, json.dumps(body), headers)
        response = connection.getresponse()
        answer = response.read()
        if response.status not in (200, 201):
            raise SystemExit(f"{kind}: {path} answered {response.status}: {answer[:300]!r}")
        done += 1
    out.put(done)


def rate(port: int, token: str, kind: str, number: int, seconds: float) -> float:
    return common.clients_rate(
        _client, (port, token, kind, number), count=CLIENTS, seconds=seconds, grace=120, label=kind
    )


def writes(port: int, prepared: dict[str, Any], seconds: float, rounds: int) -> dict[str, Any]:
    kinds = ["insert", "new", "attach"]
    token, number = prepared["token"], prepared["wave_number"]
    for kind in kinds:  # warm up code paths and connections
        rate(port, token, kind, number, 1)
    rates: dict[str, list[float]] = {kind: [] for kind in kinds}
    for round_number in range(rounds):
        order = kinds[round_number % 3 :] + kinds[: round_number % 3]
        for kind in order:
            rates[kind].append(rate(port, token, kind, number, seconds))
    print("  " + ", ".join(f"{k} {statistics.median(v):.0f}/s" for k, v in rates.items()))
    figures: dict[str, Any] = {f"{k}_rounds": v for k, v in rates.items()}
    figures |= {k: statistics.median(v) for k, v in rates.items()}
    figures["attach_of_insert"] = statistics.median(
        a / i for a, i in zip(rates["attach"], rates["insert"], strict=True)
    )
    figures["attach_of_new"] = statistics.median(
        a / n for a, n in zip(rates["attach"], rates["new"], strict=True)
    )
    figures["new_of_insert"] = statistics.median(
        n / i for n, i in zip(rates["new"], rates["insert"], strict=True)
    )
    figures |= recount(number)
    return figures


def recount(number: int) -> dict[str, Any]:
    """The wave's request counted exactly: a recount from its mentions changes nothing."""
    from django.db import connections

    from tracker import services
    from tracker.models import FeatureRequest

    request = FeatureRequest.objects.get(number=number)
    changed = services.requests_recount(numbers=[number])
    connections.close_all()
    return {
        "wave_customers": request.customer_count,
        "wave_mentions": request.mention_count,
        "wave_exact": changed == 0,
    }


# --- the status page with Redis ------------------------------------------------------------


def status(port: int, pid: int, number: int, seconds: float, rounds: int) -> dict[str, Any]:
    base = f"http://127.0.0.1:{port}"
    pages = {"bare": f"{base}/status/benchmark/constant/", "status": f"{base}/status/{number}/"}
    measure = (
        status_page.measure_with_wrk if shutil.which("wrk") else status_page.measure_with_python
    )
    for page in pages.values():
        measure(page, 1, 16)  # warm up
    rates: dict[str, list[float]] = {key: [] for key in pages}
    per_cpu: dict[str, list[float]] = {key: [] for key in pages}
    for round_number in range(rounds):
        for key in pages if round_number % 2 == 0 else reversed(pages):
            cpu_before = common.cpu_seconds(pid)
            served, count = measure(pages[key], max(1, round(seconds)), 16)
            rates[key].append(served)
            cpu = max(common.cpu_seconds(pid) - cpu_before, 1e-9)
            per_cpu[key].append(count / cpu)
    ratios = [s / b for s, b in zip(rates["status"], rates["bare"], strict=True)]
    figures: dict[str, Any] = {
        "status_redis": statistics.median(rates["status"]),
        "bare_view": statistics.median(rates["bare"]),
        "status_of_bare": statistics.median(ratios),
        "status_ratios": ratios,
        # Requests per CPU-second of the gunicorn processes: what a page costs the server,
        # which other work on a shared machine disturbs far less than requests per second.
        "status_cpu": statistics.median(per_cpu["status"]),
        "bare_cpu": statistics.median(per_cpu["bare"]),
    }
    figures["status_of_bare_cpu"] = figures["status_cpu"] / figures["bare_cpu"]
    print(
        f"  status page with Redis {figures['status_redis']:.0f}/s, bare view "
        f"{figures['bare_view']:.0f}/s: {figures['status_of_bare']:.0%} "
        f"({figures['status_of_bare_cpu']:.0%} per server CPU-second)",
        flush=True,
    )
    return figures


# --- the admin's search over the customers' words -------------------------------------------


def search(port: int, prepared: dict[str, Any], seconds: float) -> dict[str, Any]:
    path = "/admin/tracker/featurerequest/?" + urlencode({"q": SEARCH_WORD})
    headers = {"Cookie": prepared["cookie"]}
    connection = HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    page = response.read()
    if response.status != 200 or b"/change/" not in page:
        raise SystemExit(f"{path} answered {response.status} without a request listed")
    from bench.suite import http_latencies

    timings = http_latencies(port, path, headers, max(seconds * 3, 5))
    figures = {
        "search_ms": statistics.median(timings),
        "search_p95_ms": statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else 0,
        "search_calls": len(timings),
    }
    print(f"  admin search: {figures['search_ms']:.0f} ms median", flush=True)
    return figures


# --- the report ----------------------------------------------------------------------------


def targets(f: dict[str, Any]) -> list[tuple[str, str, bool]]:
    return [
        (
            "attaching to one request (8 clients) ≥ 0.5 of the bare DRF insert",
            f"{f['attach_of_insert']:.2f}",
            f["attach_of_insert"] >= ATTACH_OF_INSERT,
        ),
        (
            "attaching to one request ≥ 0.8 of intake creating new requests",
            f"{f['attach_of_new']:.2f}",
            f["attach_of_new"] >= ATTACH_OF_NEW,
        ),
        (
            "the wave's figures equal a recount from its mentions",
            "yes" if f["wave_exact"] else "no",
            bool(f["wave_exact"]),
        ),
        (
            f"admin backlog searched for a word of the quotes under {SEARCH_MS:g} ms",
            f"{f['search_ms']:.0f} ms",
            f["search_ms"] < SEARCH_MS,
        ),
        (
            "status page with REDIS_URL ≥ 0.7 of a bare view",
            f"{f['status_of_bare']:.0%}",
            f["status_of_bare"] >= STATUS_OF_BARE,
        ),
    ]


def timed(f: dict[str, Any]) -> str:
    if f.get("generate_s") is None or f.get("quotes_s") is None:
        return "its preparation was finished by a later run, untimed"
    return f"generate_load {f['generate_s']:.0f} s, quotes and their index {f['quotes_s']:.0f} s"


def render(f: dict[str, Any], args: argparse.Namespace) -> str:
    rounds = lambda key: ", ".join(f"{v:.0f}" for v in f[key])  # noqa: E731
    lines = [
        f"Measured by `{COMMAND}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"({f['elapsed_s'] / 60:.0f} minutes; database `{f['database']}` prepared "
        f"{f['prepared_at']}; {timed(f)}).",
        "",
        f"Machine: {os.cpu_count()} CPUs, shared with other work while measured; "
        f"Python {platform.python_version()}; gunicorn with 2 sync workers, DEBUG=0, "
        f"REDIS_URL set (Redis on 127.0.0.1); {f['requests']:,} requests, "
        f"{f['mentions']:,} mentions, {f['accounts']:,} accounts. {args.rounds} alternating "
        f"rounds of {args.seconds:g} s; each write figure is {CLIENTS} concurrent clients, "
        "each intake a new account and thread. Read ratios rather than rates.",
        "",
        "| figure | median | rounds |",
        "|---|---:|---|",
        f"| bare DRF insert (token auth) | {f['insert']:,.0f} req/s | {rounds('insert_rounds')} |",
        f"| intake creating a new request | {f['new']:,.0f} req/s | {rounds('new_rounds')} |",
        f"| intake attaching to one request | {f['attach']:,.0f} req/s "
        f"| {rounds('attach_rounds')} |",
        f"| status page with REDIS_URL | {f['status_redis']:,.0f} req/s "
        f"({f['status_cpu']:,.0f} per server CPU-second) | "
        + ", ".join(f"{r:.0%}" for r in f["status_ratios"])
        + " of the bare view |",
        f"| bare Django view, same server | {f['bare_view']:,.0f} req/s "
        f"({f['bare_cpu']:,.0f} per server CPU-second) | |",
        f"| admin backlog, `?q={SEARCH_WORD}` ({f['word_mentions']:,} mentions quote it) "
        f"| {f['search_ms']:.0f} ms (p95 {f['search_p95_ms']:.0f} ms) "
        f"| {f['search_calls']} calls |",
        f"| a mention's INSERT with the quote's trigram index | {f['insert_with_ms']:.3f} ms | |",
        f"| the same without it | {f['insert_without_ms']:.3f} ms | |",
        "",
        f"Intake creating a new request / bare insert: {f['new_of_insert']:.2f}. The wave "
        f"left its request with {f['wave_customers']:,} customers and "
        f"{f['wave_mentions']:,} mentions, equal to a recount: "
        f"{'yes' if f['wave_exact'] else 'NO'}. The index costs each intake "
        f"{f['insert_with_ms'] - f['insert_without_ms']:.3f} ms of its mention's INSERT. "
        f"The status page per server CPU-second: {f['status_of_bare_cpu']:.0%} of the bare view.",
        "",
        "| target (issue 18) | figure | met |",
        "|---|---:|---|",
        *(f"| {what} | {figure} | {'yes' if met else 'NO'} |" for what, figure, met in targets(f)),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
