"""A new user's first `make run`: the demo users' passwords shown on every run once the
server is up, links that follow the address served, and a worker that does not flood."""

import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def local(settings, tmp_path):
    settings.DEBUG = True
    settings.DEMO_PASSWORDS_FILE = tmp_path / ".demo-passwords"
    return settings


def demo_users(out):
    """{username: password} as loaddemo printed them."""
    said = {}
    for line in out.splitlines():
        if line.startswith("Demo user ") and ": password " in line:
            username = line.split()[2]
            said[username] = line.split(": password ")[1].split()[0]
    return said


def loaddemo():
    out = StringIO()
    call_command("loaddemo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_second_run_prints_the_same_passwords_and_they_work(local):
    first = demo_users(loaddemo())
    again = demo_users(loaddemo())

    assert set(first) == {"pm", "support"}
    assert again == first
    for username, password in again.items():
        assert User.objects.get(username=username).check_password(password)
    assert local.DEMO_PASSWORDS_FILE.stat().st_mode & 0o077 == 0


@pytest.mark.django_db
def test_a_demo_user_whose_password_was_not_kept_gets_a_new_one_printed(local):
    UserFactory(username="pm", is_staff=True, groups=["Product managers"])

    said = demo_users(loaddemo())

    assert User.objects.get(username="pm").check_password(said["pm"])
    assert said["pm"] in local.DEMO_PASSWORDS_FILE.read_text()


@pytest.mark.django_db
def test_in_production_no_password_is_changed_or_shown(local):
    local.DEBUG = False
    user = UserFactory(username="pm", is_staff=True)
    hashed = user.password

    out = loaddemo()

    user.refresh_from_db()
    assert user.password == hashed
    assert demo_users(out) == {}
    assert not local.DEMO_PASSWORDS_FILE.exists()


@pytest.fixture
def starting_server():
    """A server on 127.0.0.1 whose /healthz answers 503 twice (still starting), then 200."""
    answers = [503, 503]

    class Health(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", answers
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_the_banner_waits_for_the_server_then_shows_address_and_passwords(local, starting_server):
    url, answers = starting_server
    passwords = demo_users(loaddemo())
    out = StringIO()

    call_command("demo_banner", url=url, wait=10, stdout=out)

    banner = out.getvalue()
    assert answers == []  # it asked until the server was up
    assert f"The tracker is up at {url}/" in banner
    assert f"{url}/admin/" in banner
    for username, password in passwords.items():
        assert f"sign in as {username}" in banner and password in banner


def test_the_banner_gives_up_on_a_server_that_never_answers(local, starting_server):
    url, answers = starting_server
    answers.extend([503] * 100)

    with pytest.raises(CommandError, match="did not answer"):
        call_command("demo_banner", url=url, wait=0.5, stdout=StringIO())


def make_run(tmp_path, **env):
    """`make run` with a stand-in for the venv's python that writes down how it was called."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    python = bin_dir / "python"
    # A real server runs until stopped; this one stays a moment, so that the worker beside
    # it has started before the recipe ends.
    python.write_text(
        '#!/bin/sh\necho "$SITE_URL $*" >> "$CALLS"\ncase "$2" in runserver) sleep 3 ;; esac\n'
    )
    python.chmod(0o755)
    (bin_dir / ".installed").touch()
    calls = tmp_path / "calls"
    environment = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "PORT"}}
    subprocess.run(
        [make, "--no-print-directory", "run", f"BIN={bin_dir}", *env.pop("args", [])],
        cwd=ROOT,
        env={**environment, "CALLS": str(calls), **env},
        # Its own process group: the recipe ends with `kill 0`, as on Ctrl-C.
        start_new_session=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return calls.read_text().splitlines()


def test_make_run_points_links_at_the_port_it_serves_and_shows_the_banner(tmp_path):
    calls = make_run(tmp_path, args=["PORT=8101"])

    assert {call.split()[0] for call in calls} == {"http://127.0.0.1:8101"}
    commands = [" ".join(call.split()[2:]) for call in calls]
    assert commands[:2] == ["migrate --no-input", "loaddemo"]
    # The server and the worker start side by side; the banner waits for the server.
    assert set(commands[2:]) == {
        "deliver_notifications",
        "runserver 127.0.0.1:8101",
        "demo_banner --url http://127.0.0.1:8101",
    }


def test_make_run_keeps_a_site_url_that_is_set(tmp_path):
    calls = make_run(tmp_path, SITE_URL="https://tracker.example.com", args=["PORT=8101"])

    assert {call.split()[0] for call in calls} == {"https://tracker.example.com"}


def test_links_sent_to_customers_follow_site_url():
    code = "from tracker.selectors import status_url; print(status_url(1042))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "1", "SITE_URL": "http://127.0.0.1:8101/"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    assert result.stdout.split()[-1] == "http://127.0.0.1:8101/status/1042/"
