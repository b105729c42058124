"""What every benchmark needs: a database of its own, the production environment, gunicorn on
a free port of 127.0.0.1, `manage.py`, a product manager to call the API as, and a place in
the docs for its figures."""

from __future__ import annotations

import multiprocessing
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import psycopg
    from django.contrib.auth.models import User

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(sys.executable).parent / "gunicorn")
SERVER = "postgres://postgres@127.0.0.1:5432"


# --- databases ---------------------------------------------------------------------------


def database_url(name: str) -> str:
    """A database of that name on the local PostgreSQL server."""
    return f"{SERVER}/{name}"


def recreate_database(url: str) -> None:
    """Drop the database the URL names (whoever is connected to it) and create it empty."""
    with _server(url) as (connection, name):
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def ensure_database(url: str) -> None:
    """Create the database the URL names unless it exists: for data worth keeping between
    runs."""
    with _server(url) as (connection, name):
        exists = "SELECT 1 FROM pg_database WHERE datname = %s"
        if not connection.execute(exists, [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


@contextmanager
def _server(url: str) -> Iterator[tuple[psycopg.Connection, str]]:
    import psycopg

    base, _, name = url.rpartition("/")
    if not re.fullmatch(r"\w+", name):
        raise SystemExit(f"{name!r} is not a database name a benchmark makes")
    with psycopg.connect(base + "/postgres", autocommit=True) as connection:
        yield connection, name


# --- processor time ----------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process and its children so far (Linux /proc); 0 for
    a process that is gone."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return 0.0
    ticks = 0
    for process in [str(pid), *children]:
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:  # a worker that just exited
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


# --- the production environment ----------------------------------------------------------


def production_env(database: str, **overrides: str) -> dict[str, str]:
    """The environment production runs in (DEBUG=0, a random SECRET_KEY, no Redis unless
    given) with the bench settings, which add the yardsticks' URLs; plain http on
    127.0.0.1, since there is no TLS proxy in front."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.bench_settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": database,
    }
    env.pop("REDIS_URL", None)
    env.update(overrides)
    return env


def setup_django(env: dict[str, str]) -> None:
    """Take this environment for this process too, and set Django up in it."""
    os.environ.update(env)
    import django

    django.setup()


def manage(*command: str, env: dict[str, str] | None = None) -> str:
    """Run `manage.py` in a process of its own; its output, or its errors as the exit."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [PYTHON, "manage.py", *command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def product_manager(username: str) -> tuple[User, str]:
    """A staff user in Product managers, and their API token."""
    from django.contrib.auth.models import Group, User
    from rest_framework.authtoken.models import Token

    user, _ = User.objects.get_or_create(username=username, defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="Product managers"))
    token, _ = Token.objects.get_or_create(user=user)
    return user, token.key


# --- the server --------------------------------------------------------------------------


@dataclass(frozen=True)
class Served:
    port: int
    pid: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@contextmanager
def gunicorn(
    env: dict[str, str], *, workers: int | None = None, port: int = 0, nice: int = 0
) -> Iterator[Served]:
    """gunicorn as in production (sync workers, one per core unless told) on 127.0.0.1,
    answering by the time this yields; stopped on the way out."""
    port = port or free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [
            GUNICORN,
            "config.wsgi",
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers or os.cpu_count() or 2}",
            "--worker-class=sync",
            "--log-level=warning",
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
        preexec_fn=(lambda: os.nice(nice)) if nice else None,
    )
    try:
        wait_until_up(port, server)
        yield Served(port=port, pid=server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    """Until /healthz answers; fails at once if the server exits instead."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"the server exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer within {timeout:g} s") from None
            time.sleep(0.2)


# --- the docs ----------------------------------------------------------------------------


def write_section(path: Path, start: str, end: str, body: str) -> None:
    """Put `body` between the markers `start` and `end` in the file, or append the three
    to it if the markers are not there yet."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")
    print(f"wrote the figures into {path.relative_to(ROOT)}")


# --- load from client processes ---------------------------------------------------------


def clients_rate(
    client: Callable[..., None],
    args: tuple[Any, ...],
    *,
    count: int,
    seconds: float,
    grace: float,
    label: str,
) -> float:
    """Requests a second made by `count` processes of client(*args, deadline, i, queue), each
    sending until the deadline and then putting how many it made on the queue; a client not
    done `grace` seconds after the deadline fails the benchmark."""
    queue: multiprocessing.Queue[int] = multiprocessing.Queue()
    start = time.monotonic()
    deadline = start + seconds
    clients = [
        multiprocessing.Process(target=client, args=(*args, deadline, i, queue))
        for i in range(count)
    ]
    for process in clients:
        process.start()
    for process in clients:
        process.join(timeout=seconds + grace)
        if process.exitcode != 0:
            raise SystemExit(f"a client of {label} failed")
    total = sum(queue.get() for _ in clients)
    return total / (time.monotonic() - start)


@contextmanager
def admin_pages(url: str) -> Iterator[None]:
    """Django in production settings on database `url`, migrated, rendering the admin's pages
    in process (the test client) from plain static file storage: no manifest to collect."""
    ensure_database(url)
    setup_django(production_env(url, ALLOWED_HOSTS="testserver"))
    from django.core.management import call_command
    from django.test.utils import override_settings

    call_command("migrate", verbosity=0)
    with override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        yield
