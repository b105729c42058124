"""Benchmark: how soon a status change reaches its thread, and how fast workers deliver.

    .venv/bin/python -m bench.delivery [--changes 50] [--threads 10000] [--workers 4]
        [--database-url postgres://…] [--no-docs] [--profile FILE]

`make bench` runs it. It uses its own PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/tracker_bench_delivery; never DATABASE_URL, which it
would drop), drops, creates and migrates it, starts a local webhook receiver in its own
process (HTTP/1.1 keep-alive on asyncio, verifying every signature with the
`standardwebhooks` package and counting each notification id's arrivals, so that the run
fails unless every message arrived exactly once) and W worker processes (`manage.py
deliver_notifications`, the real command, in the production environment, DEBUG=0, with the
default poll of TRACKER_NOTIFY_POLL_SECONDS=1 s: an idle worker is woken by LISTEN/NOTIFY,
not by polling). It reports the CPU time each message cost the workers, their PostgreSQL
sessions and the receiver: on a shared machine that says more than the rate.
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
from dataclasses import dataclass, field
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


@dataclass
class Receipts:
    """What the receiver tells the benchmark, in memory both processes share: how many
    messages it verified and rejected, and for each notification id how many times it
    arrived and when it first did. One writer (the receiver's one thread), no locks."""

    capacity: int
    port: Any = field(default_factory=lambda: multiprocessing.Value("i", 0, lock=False))
    verified: Any = field(default_factory=lambda: multiprocessing.Value("q", 0, lock=False))
    rejected: Any = field(default_factory=lambda: multiprocessing.Value("q", 0, lock=False))
    # Ids beyond the capacity: the benchmark sized its arrays wrong, and fails.
    beyond: Any = field(default_factory=lambda: multiprocessing.Value("q", 0, lock=False))
    counts: Any = None
    first: Any = None

    def __post_init__(self) -> None:
        self.counts = multiprocessing.Array("i", self.capacity, lock=False)
        self.first = multiprocessing.Array("d", self.capacity, lock=False)

    def note(self, msg_id: int) -> None:
        if not 0 < msg_id < self.capacity:
            self.beyond.value += 1
            return
        if not self.counts[msg_id]:
            self.first[msg_id] = time.time()
        self.counts[msg_id] += 1
        self.verified.value += 1


def receive(receipts: Receipts) -> None:
    """The receiver, as lean as a production one in front of a queue: HTTP/1.1 with
    keep-alive on asyncio, each signature verified with the `standardwebhooks` package
    (which also parses the JSON), 204 for a verified message, 400 for any other."""
    import asyncio

    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    webhook = Webhook(SECRET)

    class Connection(asyncio.Protocol):
        def connection_made(self, transport: Any) -> None:
            self.transport = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (head_end := self.buffer.find(b"\r\n\r\n")) >= 0:
                lines = self.buffer[:head_end].decode("latin-1").split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                if "transfer-encoding" in headers:
                    self.answer(b"411 Length Required", close=True)
                    return
                end = head_end + 4 + int(headers.get("content-length") or 0)
                if len(self.buffer) < end:
                    return
                body, self.buffer = self.buffer[head_end + 4 : end], self.buffer[end:]
                try:
                    webhook.verify(body, headers)
                    msg_id = int(headers["webhook-id"])
                except (WebhookVerificationError, ValueError):
                    receipts.rejected.value += 1
                    status = b"400 Bad Request"
                else:
                    receipts.note(msg_id)
                    status = b"204 No Content"
                self.answer(status, close=headers.get("connection", "").lower() == "close")

        def answer(self, status: bytes, *, close: bool) -> None:
            self.transport.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
            if close:
                self.transport.close()

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(Connection, "127.0.0.1", 0)
        receipts.port.value = server.sockets[0].getsockname()[1]
        await server.serve_forever()

    asyncio.run(serve())


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

    # Room for every notification id the run makes: a registration and a status change
    # per single request, and the fan-out.
    receipts = Receipts(capacity=3 * args.changes + args.threads + 1_000)
    receiver = multiprocessing.Process(target=receive, args=(receipts,), daemon=True)
    receiver.start()
    while not receipts.port.value:
        time.sleep(0.01)
    verified = receipts.verified
    hook_url = f"http://127.0.0.1:{receipts.port.value}/hooks"

    singles = fill_singles(count=args.changes, url=hook_url)
    workers = start_workers(args.workers, profile=args.profile)
    try:
        wait_for(verified, len(singles), timeout=120)  # their registrations; workers are up
        latencies = time_first_deliveries(singles, receipts)
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
        "rejected": receipts.rejected.value + receipts.beyond.value,
        "repeated": sum(count - 1 for count in receipts.counts if count > 1),
        "missing": missing(receipts, number),
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
        and figures["repeated"] == 0
        and figures["missing"] == 0
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


def time_first_deliveries(numbers: list[int], receipts: Receipts) -> list[float]:
    """For each request: commit its status change, then wait for its notification."""
    from tracker.models import Notification

    latencies = []
    for number in numbers:
        change_status(number)
        committed = time.time()
        wanted = Notification.objects.filter(request_id=number).latest("id").pk
        deadline = time.monotonic() + 30
        while not receipts.counts[wanted]:
            if time.monotonic() > deadline:
                raise SystemExit(f"notification {wanted} did not arrive in 30 s")
            time.sleep(0.0005)
        latencies.append(receipts.first[wanted] - committed)
        time.sleep(0.3)  # let every worker go idle again
    return latencies


def missing(receipts: Receipts, number: int) -> int:
    """Notifications of request `number` the receiver never verified."""
    from tracker.models import Notification

    ids = Notification.objects.filter(request_id=number).values_list("id", flat=True)
    return sum(1 for pk in ids if not 0 < pk < receipts.capacity or not receipts.counts[pk])


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
            f"| messages of the fan-out that never arrived / messages that arrived twice | "
            f"{f['missing']} / {f['repeated']} | 0 / 0 | |",
            f"| CPU per message: workers, their PostgreSQL sessions, receiver | {cpu} ms | | |",
            "",
            f"Load average at the end of the fan-out: {load}.",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
