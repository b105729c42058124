"""Benchmark: how soon a status change reaches its thread, and how fast workers deliver.

    .venv/bin/python -m bench.delivery [--changes 50] [--threads 10000] [--workers 4]
        [--database-url postgres://…] [--no-docs]

`make bench` runs it. It uses its own PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/tracker_bench_delivery; never DATABASE_URL, which it
would drop), drops, creates and migrates it, starts a local webhook receiver in its own
process (verifying every signature with the `standardwebhooks` package and noting when
each message arrived) and W worker processes (`manage.py deliver_notifications`, the real
command, in the production environment, DEBUG=0, with the default poll of
TRACKER_NOTIFY_POLL_SECONDS=1 s: an idle worker is woken by LISTEN/NOTIFY, not by polling).
It writes its figures into its section of docs/benchmarks.md unless --no-docs.

1. Latency: C times, with the workers idle, one status change of a request raised in one
   thread (the service call, committed), and the time until the receiver has it.
   Target: median under 0.2 s.
2. Throughput: one status change of a request raised from N threads, and the time from its
   commit until the receiver has verified all N. Target: 1,000 or more a second.

Exit status 0 when both targets are met. `main()` returns the figures' report.
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench import common

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = common.database_url("tracker_bench_delivery")
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:delivery:start -->", "<!-- bench:delivery:end -->"
SECRET = "whsec_" + base64.b64encode(b"benchmark signing key, 32 bytes!").decode()
LATENCY_TARGET_S = 0.2
PROFILED = (
    "import cProfile, runpy, sys, time\n"
    "out = sys.argv.pop(1)\n"
    "sys.argv = sys.argv[1:]\n"
    "profile = cProfile.Profile(time.process_time)\n"
    "try:\n"
    "    profile.runcall(runpy.run_path, sys.argv[0], run_name='__main__')\n"
    "except SystemExit:\n"
    "    pass\n"
    "profile.dump_stats(out)\n"
)
RATE_TARGET = 1_000


def receive(port: Any, verified: Any, rejected: Any, arrivals: Any) -> None:
    """The receiver: verifies each signature, counts, and reports when each id arrived."""
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    webhook = Webhook(SECRET)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            try:
                webhook.verify(body, headers)
            except WebhookVerificationError:
                with rejected.get_lock():
                    rejected.value += 1
                status = 400
            else:
                arrivals.put((int(headers["webhook-id"]), time.time()))
                with verified.get_lock():
                    verified.value += 1
                status = 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port.value = server.server_address[1]
    server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=50, help="status changes timed one by one")
    parser.add_argument("--threads", type=int, default=10_000, help="threads of the fan-out")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="dropped and made again")
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs")
    parser.add_argument(
        "--profile", metavar="FILE", help="run the first worker under cProfile, stats to FILE"
    )
    args = parser.parse_args(argv)

    url = args.database_url
    if not url.startswith("postgres"):
        print("This benchmark needs PostgreSQL (--database-url postgres://…).")
        return 2
    env = common.production_env(
        url,
        DJANGO_SETTINGS_MODULE="config.settings",
        TRACKER_NOTIFY_BATCH_SIZE=str(args.batch_size),
    )
    common.recreate_database(url)
    common.setup_django(env)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    port = multiprocessing.Value("i", 0)
    verified = multiprocessing.Value("q", 0)
    rejected = multiprocessing.Value("q", 0)
    arrivals: Any = multiprocessing.Queue()
    receiver = multiprocessing.Process(
        target=receive, args=(port, verified, rejected, arrivals), daemon=True
    )
    receiver.start()
    while not port.value:
        time.sleep(0.01)
    hook_url = f"http://127.0.0.1:{port.value}/hooks"

    singles = fill_singles(count=args.changes, url=hook_url)
    workers = start_workers(args.workers, profile=args.profile)
    try:
        wait_for(verified, len(singles), timeout=120)  # their registrations; workers are up
        drain(arrivals)
        latencies = time_first_deliveries(singles, arrivals)
        number = fill_fanout(threads=args.threads)
        time.sleep(1.5)  # idle again
        before = verified.value
        processes: dict[str, list[int]] = {
            "workers": [worker.pid for worker in workers],
            "receiver": [receiver.pid or 0],
        }
        cpu_before = cpu_by_role(processes)
        started = time.perf_counter()
        commit_s = change_status(number)
        delivered_s = wait_for(verified, before + args.threads, timeout=600) - started
        cpu = {
            role: (seconds - cpu_before.get(role, 0.0)) / args.threads
            for role, seconds in cpu_by_role(processes).items()
        }
        load = os.getloadavg()
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            worker.wait(timeout=30)
        receiver.terminate()

    from tracker.choices import DeliveryState
    from tracker.models import Notification

    figures = {
        "changes": args.changes,
        "median_s": statistics.median(latencies),
        "p90_s": statistics.quantiles(latencies, n=10)[-1],
        "max_s": max(latencies),
        "threads": args.threads,
        "workers": args.workers,
        "batch": args.batch_size,
        "commit_s": commit_s,
        "delivered_s": delivered_s,
        "rate": args.threads / delivered_s,
        "rejected": rejected.value,
        "undelivered": Notification.objects.exclude(state=DeliveryState.DELIVERED).count(),
        "cpus": os.cpu_count(),
        "cpu_ms": {role: seconds * 1000 for role, seconds in cpu.items()},
        "load": load,
    }
    report = render(figures)
    print(report)
    if not args.no_docs:
        common.write_section(
            DOCS,
            START,
            END,
            f"{report}\n\nMeasured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} with "
            f"`.venv/bin/python -m bench.delivery --changes {args.changes} --threads "
            f"{args.threads}` (`make bench` runs it with the defaults), PostgreSQL on 127.0.0.1.",
        )
    ok = (
        figures["median_s"] < LATENCY_TARGET_S
        and figures["rate"] >= RATE_TARGET
        and figures["undelivered"] == 0
        and figures["rejected"] == 0
    )
    return 0 if ok else 1


def _channel(url: str) -> Any:
    from tracker.choices import ChannelKind
    from tracker.models import Channel

    return Channel.objects.get_or_create(
        slug="hooks-bench",
        defaults={
            "name": "Bench",
            "kind": ChannelKind.WEBHOOK,
            "config": {"url": url},
            "secrets": {"signing_key": SECRET},
        },
    )[0]


def fill_singles(*, count: int, url: str) -> list[int]:
    """`count` requests, each raised in a thread of its own, through the intake service."""
    from tracker import services

    channel = _channel(url)
    return [
        services.intake_log(
            account=services.AccountData(external_id=f"single{i}.example.com"),
            thread=services.ThreadData(channel=channel.slug, ref=f"single{i}"),
            title=f"Wish {i}",
        ).request.number
        for i in range(count)
    ]


def fill_fanout(*, threads: int) -> int:
    """One request raised from `threads` threads, each of its own account."""
    from django.db import connection, transaction

    from tracker import services
    from tracker.choices import Language, Plan
    from tracker.models import Account, Channel, FeatureRequest, Mention, Thread

    languages = [Language.EN, Language.RU, Language.JA]
    channel = Channel.objects.get(slug="hooks-bench")
    with transaction.atomic():
        accounts = Account.objects.bulk_create(
            [
                Account(external_id=f"portal{i}.example.com", name=f"Customer {i}", plan=Plan.BASIC)
                for i in range(threads)
            ],
            batch_size=2000,
        )
        made = Thread.objects.bulk_create(
            [
                Thread(channel=channel, ref=f"chat{i}", account=account, language=languages[i % 3])
                for i, account in enumerate(accounts)
            ],
            batch_size=2000,
        )
        request = FeatureRequest.objects.create(title="Export deals to XLSX")
        Mention.objects.bulk_create(
            [Mention(request=request, thread=thread) for thread in made], batch_size=2000
        )
    services.requests_recount(numbers=[request.number])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return request.number


def start_workers(count: int, *, profile: str | None = None) -> list[subprocess.Popen[bytes]]:
    """`count` worker processes; with `profile`, the first runs under cProfile, counting
    CPU time rather than wall-clock time (which waits on the receiver and the database),
    and writes its statistics there when it stops."""
    command = [sys.executable, "manage.py", "deliver_notifications"]
    profiled = [sys.executable, "-c", PROFILED, profile or "", *command[1:]]
    return [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            profiled if profile and i == 0 else command, cwd=ROOT, env=os.environ.copy()
        )
        for i in range(count)
    ]


def cpu_by_role(processes: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds so far of each role's processes, and of the PostgreSQL sessions serving
    the workers (every session of this database but the benchmark's own)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
        )
        sessions = [pid for (pid,) in cursor.fetchall()]
    seconds = {role: sum(map(common.cpu_seconds, pids)) for role, pids in processes.items()}
    seconds["postgres"] = sum(map(common.cpu_seconds, sessions))
    return seconds


def change_status(number: int) -> float:
    """The service call, one committed transaction; returns how long it took."""
    from tracker import services
    from tracker.choices import Status

    started = time.perf_counter()
    services.request_transition(
        number=number,
        status=Status.ACCEPTED,
        public_note="Many customers asked for this; it is now in the development queue.",
    )
    return time.perf_counter() - started


def time_first_deliveries(numbers: list[int], arrivals: Any) -> list[float]:
    """For each request: commit its status change, then wait for its notification."""
    from tracker.models import Notification

    latencies = []
    for number in numbers:
        change_status(number)
        committed = time.time()
        wanted = Notification.objects.filter(request_id=number).latest("id").pk
        while True:
            pk, arrived = arrivals.get(timeout=30)
            if pk == wanted:
                latencies.append(arrived - committed)
                break
        time.sleep(0.3)  # let every worker go idle again
    return latencies


def drain(arrivals: Any) -> None:
    while not arrivals.empty():
        arrivals.get()


def wait_for(counter: Any, total: int, *, timeout: float) -> float:
    started = time.perf_counter()
    while counter.value < total:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {counter.value} of {total} delivered in {timeout:g} s")
        time.sleep(0.002)
    return time.perf_counter()


def render(f: dict[str, Any]) -> str:
    latency_met = "yes" if f["median_s"] < LATENCY_TARGET_S else "NO"
    rate_met = "yes" if f["rate"] >= RATE_TARGET else "NO"
    cpu = " + ".join(f"{f['cpu_ms'][role]:.3f}" for role in ("workers", "postgres", "receiver"))
    cpu += f" = {sum(f['cpu_ms'].values()):.3f}"
    load = ", ".join(f"{value:.1f}" for value in f["load"])
    return "\n".join(
        [
            f"Notification delivery on PostgreSQL, {f['workers']} workers "
            f"(batch {f['batch']}, poll 1 s, woken by NOTIFY), {f['cpus']} CPUs:",
            "",
            "| measure | figure | target | met |",
            "|---|---|---|---|",
            f"| commit of a status change to its delivery, median of {f['changes']} "
            f"(p90, max) | {f['median_s'] * 1000:.0f} ms ({f['p90_s'] * 1000:.0f}, "
            f"{f['max_s'] * 1000:.0f} ms) | < {LATENCY_TARGET_S * 1000:.0f} ms | {latency_met} |",
            f"| status change of a request raised from {f['threads']:,} threads, committed "
            f"| {f['commit_s']:.3f} s | | |",
            f"| all {f['threads']:,} delivered, signatures verified | {f['delivered_s']:.2f} s "
            "| | |",
            f"| delivery rate | {f['rate']:,.0f} / s | >= {RATE_TARGET:,} / s | {rate_met} |",
            f"| rejected by the receiver / left undelivered | {f['rejected']} / "
            f"{f['undelivered']} | 0 / 0 | |",
            f"| CPU per message: workers, their PostgreSQL sessions, receiver | {cpu} ms | | |",
            "",
            f"Load average at the end of the fan-out: {load}.",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
