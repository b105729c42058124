"""Benchmark: one status change of a request raised from 10,000 threads, and its delivery.

    .venv/bin/python -m bench.notifications [--threads 10000] [--workers 4] [--write-docs]

It uses its own PostgreSQL database (DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/tracker_bench_notif), drops, creates and migrates it in
the production environment (bench/common.py), and bulk-creates one request raised from N
threads (N accounts, N threads on one signed webhook channel, N mentions; demand figures
recounted by the service). Then:

1. it starts a local webhook receiver (its own process, verifying every signature with
   the `standardwebhooks` package) and W worker processes (`manage.py
   deliver_notifications`, the real command), and waits until they are idle;
2. it times the service call `request_transition` (accepted, with a public note): one
   transaction that writes the history row and N notifications (target: under 1 s);
3. it times the delivery, from that commit until the receiver has verified all N
   (target: 1,000 or more per second).

--write-docs puts the figures into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import os
import signal
import subprocess
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.process import BaseProcess
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from bench import common

DEFAULT_URL = common.database_url("tracker_bench_notif")
DOCS = common.ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:notifications:start -->", "<!-- bench:notifications:end -->"
SECRET = "whsec_" + base64.b64encode(b"benchmark signing key, 32 bytes!").decode()
COMMIT_TARGET_S = 1.0
RATE_TARGET = 1_000


# --- the receiver, in its own process ----------------------------------------------------


def receive(port: Any, verified: Any, rejected: Any) -> None:
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    webhook = Webhook(SECRET)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            try:
                webhook.verify(body, {k.lower(): v for k, v in self.headers.items()})
            except WebhookVerificationError:
                with rejected.get_lock():
                    rejected.value += 1
                status = 400
            else:
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


# --- the benchmark -----------------------------------------------------------------------


def start_receiver() -> tuple[BaseProcess, int, Synchronized[int], Synchronized[int]]:
    """The receiver in a process of its own, once it listens: the process, its port, and
    the counts of webhooks it verified and rejected."""
    port: Synchronized[int] = multiprocessing.Value("i", 0)
    verified: Synchronized[int] = multiprocessing.Value("q", 0)
    rejected: Synchronized[int] = multiprocessing.Value("q", 0)
    receiver = multiprocessing.Process(target=receive, args=(port, verified, rejected), daemon=True)
    receiver.start()
    for _ in range(1000):  # the receiver says its port within seconds, or never
        if port.value:
            return receiver, port.value, verified, rejected
        time.sleep(0.01)
    raise SystemExit("the webhook receiver did not start")


# --- the benchmark -----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", DEFAULT_URL)
    if not url.startswith("postgres"):
        print("This benchmark needs PostgreSQL (DATABASE_URL=postgres://…).")
        return 2
    common.recreate_database(url)
    common.setup_django(
        common.production_env(
            url,
            TRACKER_NOTIFY_POLL_SECONDS="0.05",
            TRACKER_NOTIFY_BATCH_SIZE=str(args.batch_size),
        )
    )
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    receiver, port, verified, rejected = start_receiver()
    number = fill(threads=args.threads, url=f"http://127.0.0.1:{port}/hooks")
    workers = start_workers(args.workers)
    try:
        time.sleep(3)  # let the workers start and go idle
        commit_s = time_status_change(number)
        delivered_s = wait_for(verified, args.threads, started=time.perf_counter())
    finally:
        stop(workers)
        receiver.terminate()

    from tracker.choices import DeliveryState
    from tracker.models import Notification

    undelivered = Notification.objects.exclude(state=DeliveryState.DELIVERED).count()
    rate = args.threads / delivered_s
    figures = {
        "threads": args.threads,
        "workers": args.workers,
        "batch": args.batch_size,
        "commit_s": commit_s,
        "delivered_s": delivered_s,
        "rate": rate,
        "verified": verified.value,
        "rejected": rejected.value,
        "undelivered": undelivered,
        "cpus": os.cpu_count(),
    }
    report = render(figures)
    print(report)
    if args.write_docs:
        common.write_section(
            DOCS,
            START,
            END,
            f"{report}\n\nReproduce: `.venv/bin/python -m bench.notifications --write-docs` "
            "(PostgreSQL on 127.0.0.1).",
        )
    ok = (
        commit_s < COMMIT_TARGET_S
        and rate >= RATE_TARGET
        and undelivered == 0
        and rejected.value == 0
    )
    return 0 if ok else 1


def fill(*, threads: int, url: str) -> int:
    """One request raised from `threads` threads, each of its own account."""
    from django.db import transaction

    from tracker import services
    from tracker.choices import ChannelKind, Language, Plan
    from tracker.models import Account, Channel, FeatureRequest, Mention, Thread

    languages = [Language.EN, Language.RU, Language.JA]
    with transaction.atomic():
        channel = Channel.objects.create(
            slug="hooks-bench",
            name="Bench",
            kind=ChannelKind.WEBHOOK,
            config={"url": url},
            secrets={"signing_key": SECRET},
        )
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
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return request.number


def start_workers(count: int) -> list[subprocess.Popen[bytes]]:
    """`manage.py deliver_notifications`, the real worker, `count` times, in this process's
    environment."""
    return [
        subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py
            [common.PYTHON, "manage.py", "deliver_notifications"],
            cwd=common.ROOT,
            env=os.environ.copy(),
        )
        for _ in range(count)
    ]


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGTERM)
    for process in processes:
        process.wait(timeout=30)


def time_status_change(number: int) -> float:
    from tracker import services
    from tracker.choices import Status

    started = time.perf_counter()
    services.request_transition(
        number=number,
        status=Status.ACCEPTED,
        public_note="Many customers asked for this; it is now in the development queue.",
    )
    return time.perf_counter() - started


def wait_for(counter: Any, total: int, *, started: float, timeout: float = 300) -> float:
    while counter.value < total:
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {counter.value} of {total} delivered in {timeout:g} s")
        time.sleep(0.005)
    return time.perf_counter() - started


def render(f: dict[str, Any]) -> str:
    commit = "yes" if f["commit_s"] < COMMIT_TARGET_S else "NO"
    rate = "yes" if f["rate"] >= RATE_TARGET else "NO"
    return "\n".join(
        [
            f"One status change of a request raised from {f['threads']:,} threads, "
            f"PostgreSQL, {f['workers']} workers (batch {f['batch']}), {f['cpus']} CPUs:",
            "",
            "| measure | figure | target | met |",
            "|---|---|---|---|",
            f"| status change committed (service call, {f['threads']:,} notifications "
            f"written) | {f['commit_s']:.3f} s | < {COMMIT_TARGET_S:g} s | {commit} |",
            f"| all delivered to the webhook receiver, signatures verified | "
            f"{f['delivered_s']:.2f} s | | |",
            f"| delivery rate | {f['rate']:,.0f} / s | >= {RATE_TARGET:,} / s | {rate} |",
            f"| verified / rejected by the receiver / left undelivered | "
            f"{f['verified']:,} / {f['rejected']} / {f['undelivered']} | all / 0 / 0 | |",
        ]
    )


if __name__ == "__main__":
    raise SystemExit(main())
