"""Production behaviour, checked in fresh processes as an operator would start them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import NoReverseMatch, reverse
from rest_framework.authtoken.models import Token

from config.env import env_float
from tests.factories import UserFactory
from tracker.models import Account

ROOT = Path(__file__).resolve().parent.parent
SECRET = "x" * 20 + "-production-secret-that-is-long-enough-0123456789"


def manage(*args, settings="config.settings", **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env)
    environment["DJANGO_SETTINGS_MODULE"] = settings
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_a_secret_key_refuses_to_start():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checklist():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="tracker.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    database = tmp_path / "tracker.sqlite3"
    code = (
        "from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode');"
        "print(c.fetchone()[0], connection.transaction_mode)"
    )
    result = manage("shell", "-c", code, DEBUG="1", DATABASE_URL=f"sqlite:///{database}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["wal", "IMMEDIATE"]


@pytest.mark.django_db
def test_healthz_answers_ok(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_a_float_setting_reads_a_number_or_refuses_anything_else(monkeypatch):
    monkeypatch.setenv("TRACKER_TEST_SECONDS", "0.25")
    monkeypatch.setenv("TRACKER_TEST_JUNK", "1,5")
    monkeypatch.delenv("TRACKER_TEST_UNSET", raising=False)

    assert env_float("TRACKER_TEST_SECONDS", 1) == 0.25
    assert env_float("TRACKER_TEST_UNSET", 1) == 1.0
    with pytest.raises(ImproperlyConfigured, match="TRACKER_TEST_JUNK must be a number"):
        env_float("TRACKER_TEST_JUNK", 1)


def test_a_float_setting_that_is_not_a_number_stops_the_start_with_its_name():
    result = manage("check", DEBUG="1", TRACKER_NOTIFY_POLL_SECONDS="soon")

    assert result.returncode != 0
    assert "TRACKER_NOTIFY_POLL_SECONDS must be a number, not 'soon'" in result.stderr


def test_the_bench_settings_are_production_with_the_yardsticks_routed():
    code = "from django.conf import settings; print(settings.DEBUG, settings.ROOT_URLCONF)"
    result = manage(
        "shell", "-c", code, settings="config.bench_settings", DEBUG="0", SECRET_KEY=SECRET
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["False", "config.bench_urls"]


@pytest.mark.django_db
def test_production_routes_no_yardstick():
    with pytest.raises(NoReverseMatch):
        reverse("api-bench-insert")
    with pytest.raises(NoReverseMatch):
        reverse("bench-constant")


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="config.bench_urls")
def test_the_bench_urls_serve_both_yardsticks(client):
    token = Token.objects.create(user=UserFactory(groups=["Support staff"]))

    page = client.get(reverse("bench-constant"))
    inserted = client.post(
        reverse("api-bench-insert"),
        {"external_id": "bare-1"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )

    assert page.status_code == 200
    assert b"A constant page for the benchmark." in page.content
    assert inserted.status_code == 201
    assert Account.objects.filter(external_id="bare-1", pk=inserted.json()["id"]).exists()
    assert client.get(reverse("healthz")).status_code == 200


def test_an_unknown_public_text_fallback_stops_the_start(settings):
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.TRACKER_PUBLIC_TEXT_FALLBACK = ["de", "source"]

    with pytest.raises(SystemCheckError, match="TRACKER_PUBLIC_TEXT_FALLBACK: Unknown fallback de"):
        call_command("check")


def test_the_notification_and_monitoring_settings_are_read_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.TRACKER_NOTIFY_SCHEDULE, s.TRACKER_NOTIFY_MAX_ATTEMPTS, "
        "s.TRACKER_NOTIFY_PROBE_BASE, s.TRACKER_NOTIFY_PROBE_CAP, s.TRACKER_NOTIFY_ALERT_LAG, "
        "s.TRACKER_NOTIFY_ALERT_OUTAGE, s.METRICS_ENABLED, s.METRICS_TOKEN)"
    )
    defaults = manage("shell", "-v", "0", "-c", code, DEBUG="1")
    given = manage(
        "shell",
        "-v",
        "0",
        "-c",
        code,
        DEBUG="1",
        TRACKER_NOTIFY_SCHEDULE="1,2",
        TRACKER_NOTIFY_MAX_ATTEMPTS="3",
        TRACKER_NOTIFY_PROBE_BASE="0.5",
        TRACKER_NOTIFY_PROBE_CAP="9",
        TRACKER_NOTIFY_ALERT_LAG="60",
        TRACKER_NOTIFY_ALERT_OUTAGE="600",
        METRICS_ENABLED="1",
        METRICS_TOKEN="scrape-me",
    )

    # The defaults: Standard Webhooks' schedule, all ten attempts of it (about 75 hours).
    assert defaults.stdout.split() == [
        "5,300,1800,7200,18000,36000,50400,72000,86400",
        "10",
        "5.0",
        "300.0",
        "300.0",
        "3600.0",
        "False",
    ]
    assert given.stdout.split() == ["1,2", "3", "0.5", "9.0", "60.0", "600.0", "True", "scrape-me"]
