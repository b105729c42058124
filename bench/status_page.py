"""Benchmark: the status page against a bare Django view, under gunicorn, in one run.

    .venv/bin/python -m bench.status_page [--duration 2] [--rounds 11] [--nice -10] [--redis]

It migrates a throw-away SQLite database (or the one --database-url names), loads the demo
data into it, collects static files (into STATIC_ROOT), starts gunicorn on 127.0.0.1 in the
production environment with the bench settings (bench/common.py), and measures requests per
second of

- /status/benchmark/constant/: a view that returns a constant page, through the same
  middleware: the ceiling any Django page on this machine can reach;
- /status/<number>/: the status page of the demo request with the longest history.

The two are measured in alternating rounds, so that background load falls on both alike,
with `wrk` when it is installed (apt-get install wrk), else with client processes written
in Python. Every run is bounded in time; any answer other than 200 fails the benchmark.
The rate limit is raised for the run: the load comes from one address. Besides requests per
second it reports requests per CPU-second of the gunicorn processes, which other load on a
shared machine disturbs much less.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from http.client import HTTPConnection
from pathlib import Path

from bench import common

TARGET = 0.70


def busiest_request() -> int:
    """The request whose status page is the longest: the most changes, then customers."""
    from django.db.models import Count

    from tracker.models import FeatureRequest

    request = (
        FeatureRequest.objects.canonical()
        .annotate(changes=Count("history"))
        .order_by("-changes", "-customer_count", "number")
        .first()
    )
    if request is None:
        raise SystemExit("there is no request to show")
    return request.number


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=2, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=11, help="alternating rounds per page")
    parser.add_argument("--connections", type=int, default=16, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--redis", action="store_true", help="use Redis on 127.0.0.1:6379/1")
    parser.add_argument("--database-url", default="", help="default: a throw-away SQLite file")
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="run server and load generator at this niceness (negative needs root), so that "
        "other work on a shared machine disturbs the figures less",
    )
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="status-bench-"))
    env = common.production_env(
        args.database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
        STATUS_PAGE_RATE_LIMIT=str(10**9),
        **({"REDIS_URL": "redis://127.0.0.1:6379/1"} if args.redis else {}),
    )
    try:
        for command in (["migrate", "--no-input"], ["loaddemo"], ["collectstatic", "--no-input"]):
            common.manage(*command, env=env)
        number = int(
            common.manage(
                "shell",
                "-c",
                "from bench.status_page import busiest_request; print(busiest_request())",
                env=env,
            ).split()[-1]
        )
        with common.gunicorn(env, workers=args.workers, port=args.port, nice=args.nice) as server:
            pages = {
                "constant view": f"{server.base}/status/benchmark/constant/",
                "status page": f"{server.base}/status/{number}/",
            }
            with urllib.request.urlopen(pages["status page"], timeout=10) as response:  # noqa: S310
                if response.status != 200 or b"<h1>" not in response.read():
                    raise SystemExit(f"{pages['status page']} does not show a request")

            measure = measure_with_wrk if shutil.which("wrk") else measure_with_python
            os.nice(args.nice)  # the load generator too, from here on
            for url in pages.values():  # warm up: caches, connections, code paths
                measure(url, 2, args.connections)
            results: dict[str, list[float]] = {name: [] for name in pages}
            per_cpu: dict[str, list[float]] = {name: [] for name in pages}
            for round_number in range(args.rounds):
                order = list(pages) if round_number % 2 == 0 else list(reversed(pages))
                for name in order:
                    cpu_before = common.cpu_seconds(server.pid)
                    rate, count = measure(pages[name], args.duration, args.connections)
                    results[name].append(rate)
                    per_cpu[name].append(
                        count / max(common.cpu_seconds(server.pid) - cpu_before, 1e-9)
                    )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    # Each round measures both pages back to back, under the same background load: the
    # median of the rounds' ratios is the figure that load on the machine disturbs least.
    ratios = [s / c for s, c in zip(results["status page"], results["constant view"], strict=True)]
    ratio = statistics.median(ratios)
    # Requests per CPU-second of the gunicorn processes: what each page costs the server,
    # whatever else the machine was doing meanwhile.
    cpu_ratio = statistics.median(per_cpu["status page"]) / statistics.median(
        per_cpu["constant view"]
    )
    print(
        f"machine: {os.cpu_count()} CPUs; gunicorn {args.workers} sync workers; "
        f"{args.connections} connections; {args.rounds} rounds of {args.duration} s; "
        f"load generator: {'wrk' if shutil.which('wrk') else 'python'}; "
        f"cache: {'redis' if args.redis else 'local memory'}; "
        f"database: {env['DATABASE_URL'].split(':')[0]}; niceness: {args.nice}"
    )
    for name, figures in results.items():
        rounds = ", ".join(f"{f:.0f}" for f in figures)
        print(
            f"{name:14} {statistics.median(figures):8.0f} req/s  (rounds: {rounds}); "
            f"{statistics.median(per_cpu[name]):6.0f} requests per server CPU-second"
        )
    verdict = "meets" if ratio >= TARGET else "MISSES"
    print(
        f"status page / constant view = {ratio:.0%}, median of the rounds' ratios "
        f"({', '.join(f'{r:.0%}' for r in ratios)}): {verdict} the {TARGET:.0%} target"
    )
    print(f"per server CPU-second: status page / constant view = {cpu_ratio:.0%}")
    return 0 if ratio >= TARGET else 1


def measure_with_wrk(url: str, seconds: int, connections: int) -> tuple[float, int]:
    output = subprocess.run(  # noqa: S603
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout=5s", url],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    ).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit(f"Errors while measuring {url}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in", output)
    if match is None or count is None:
        raise SystemExit(f"wrk said nothing of requests per second:\n{output}")
    return float(match.group(1)), int(count.group(1))


def measure_with_python(url: str, seconds: int, connections: int) -> tuple[float, int]:
    with multiprocessing.Pool(connections) as pool:
        counts = pool.map(_client_loop, [(url, seconds)] * connections)
    return sum(counts) / seconds, sum(counts)


def _client_loop(job: tuple[str, int]) -> int:
    url, seconds = job
    host_port, path = url.removeprefix("http://").split("/", 1)
    host, port = host_port.split(":")
    done = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        connection = HTTPConnection(host, int(port), timeout=5)
        connection.request("GET", "/" + path)
        response = connection.getresponse()
        response.read()
        connection.close()
        if response.status != 200:
            raise SystemExit(f"{url} answered {response.status}")
        done += 1
    return done


if __name__ == "__main__":
    sys.exit(main())
