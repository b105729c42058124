"""A database in trouble: bounded waits, the API's 503 in its error shape, and a /healthz
that answers within a second either way. Each case runs in a fresh process pointed at a
database that refuses or never answers, as an operator would meet it."""

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "x" * 20 + "-production-secret-that-is-long-enough-0123456789"

# Runs in the fresh process: one request through Django's test client, answered as JSON.
REQUEST = """
import json, sys, time
import django
django.setup()
from django.test import Client
method, path, headers = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
client = Client(raise_request_exception=False, **headers)
client.get("/no-such-page/")  # a warm process, as a server's: URLs and middleware loaded
began = time.monotonic()
if method == "POST":
    response = client.post(path, {"title": "x"}, content_type="application/json")
else:
    response = client.get(path)
print(json.dumps({
    "status": response.status_code,
    "seconds": time.monotonic() - began,
    "type": response.get("Content-Type", ""),
    "retry_after": response.get("Retry-After"),
    "location": response.get("Location"),
    "body": response.content.decode(errors="replace")[:2000],
}))
"""


def python(*args, **env):
    """Run our Python with these arguments in a fresh process with production settings
    and this environment; its output."""
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    environment.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": SECRET,
            "ALLOWED_HOSTS": "testserver",
            "LOG_LEVEL": "CRITICAL",
            **env,
        }
    )
    result = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def request_in_a_new_process(method, path, headers=None, **env):
    out = python("-c", REQUEST, method, path, json.dumps(headers or {}), **env)
    return json.loads(out.splitlines()[-1])


@pytest.fixture
def closed_port():
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def frozen_database():
    """A TCP server on 127.0.0.1 that accepts connections and never says a word, as a
    database does when it hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held = []

    def accept():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"postgres://postgres@127.0.0.1:{server.getsockname()[1]}/tracker"
    server.close()
    for connection in held:
        connection.close()


INTAKE_WITH_A_TOKEN = {
    "HTTP_AUTHORIZATION": "Token 0123456789abcdef",
    "HTTP_X_FORWARDED_PROTO": "https",
}


def assert_unavailable(answer):
    assert answer["status"] == 503, answer
    assert answer["type"] == "application/json"
    assert int(answer["retry_after"]) > 0
    [error] = json.loads(answer["body"])["errors"]
    assert (error["field"], error["code"]) == (None, "database_unavailable")


def test_intake_answers_503_json_while_the_database_refuses_connections(closed_port):
    answer = request_in_a_new_process(
        "POST",
        "/api/intake/",
        INTAKE_WITH_A_TOKEN,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port}/tracker",
    )

    assert_unavailable(answer)


def test_a_signed_in_browser_gets_the_503_json_too(closed_port):
    answer = request_in_a_new_process(
        "GET",
        "/api/requests/",
        {
            "HTTP_COOKIE": "sessionid=abcdefghijklmnopqrstuvwxyz012345",
            "HTTP_X_FORWARDED_PROTO": "https",
        },
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port}/tracker",
    )

    assert_unavailable(answer)


def test_intake_gives_up_on_a_frozen_database_after_the_connect_timeout(frozen_database):
    answer = request_in_a_new_process(
        "POST",
        "/api/intake/",
        INTAKE_WITH_A_TOKEN,
        DATABASE_URL=frozen_database,
        DATABASE_CONNECT_TIMEOUT="2",
    )

    assert_unavailable(answer)
    assert answer["seconds"] < 10


def test_healthz_answers_503_within_a_second_when_the_database_is_frozen(frozen_database):
    answer = request_in_a_new_process(
        "GET", "/healthz", {"HTTP_X_FORWARDED_PROTO": "https"}, DATABASE_URL=frozen_database
    )

    assert answer["status"] == 503
    assert answer["seconds"] < 1
    assert json.loads(answer["body"])["status"] == "error"


def test_healthz_answers_503_when_the_database_refuses_connections(closed_port):
    answer = request_in_a_new_process(
        "GET",
        "/healthz",
        {"HTTP_X_FORWARDED_PROTO": "https"},
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{closed_port}/tracker",
    )

    assert answer["status"] == 503
    assert answer["seconds"] < 1


def test_healthz_answers_over_plain_http_while_everything_else_is_redirected(tmp_path):
    database = f"sqlite:///{tmp_path / 'tracker.sqlite3'}"

    health = request_in_a_new_process(
        "GET", "/healthz", DATABASE_URL=database, SECURE_SSL_REDIRECT="1"
    )
    status_page = request_in_a_new_process(
        "GET", "/status/", DATABASE_URL=database, SECURE_SSL_REDIRECT="1"
    )

    assert (health["status"], json.loads(health["body"])) == (200, {"status": "ok"})
    assert status_page["status"] == 301
    assert status_page["location"].startswith("https://")


def test_statement_timeout_is_set_on_postgresql():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("the statement timeout is PostgreSQL's")
    code = (
        "from django.db import connection, OperationalError\n"
        "c = connection.cursor(); c.execute('SHOW statement_timeout'); print(c.fetchone()[0])\n"
        "try:\n"
        "    c.execute('SELECT pg_sleep(3)'); print('slept')\n"
        "except OperationalError as exc:\n"
        "    print('cancelled', type(exc.__cause__).__name__)\n"
    )
    database = settings.DATABASES["default"]
    server = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT'] or 5432}"
    began = time.monotonic()
    out = python(
        "manage.py",
        "shell",
        "-c",
        code,
        DEBUG="1",
        DATABASE_URL=f"{server}/postgres",
        DATABASE_STATEMENT_TIMEOUT="0.5",
    )

    assert out.split()[-3:] == ["500ms", "cancelled", "QueryCanceled"]
    assert time.monotonic() - began < 30
