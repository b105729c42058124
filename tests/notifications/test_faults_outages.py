"""Issue 12's fault tests, with real worker processes (the management command) on
PostgreSQL: a receiver that refuses everything for longer than a notification's whole
retry schedule and then recovers; Bitrix24 answering expired_token until its secret is
replaced; the database unreachable for 30 s under running workers; repeated SIGKILLs; and
an idle worker woken at once by a commit (LISTEN/NOTIFY).
Backoffs are shrunk with settings so that the whole file takes about two minutes."""

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from tests.factories import ChannelFactory
from tracker import services
from tracker.choices import ChannelKind, DeliveryState, Status
from tracker.models import Channel, Notification

from .conftest import Reply
from .proxy import TcpProxy
from .test_faults import (
    assert_every_thread_heard_everything_in_order,
    raise_requests,
    wait_until,
)

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="worker processes need a database they can share: run with PostgreSQL",
    ),
]

BASE_DIR = Path(__file__).resolve().parents[2]
STARTED: list[tuple[subprocess.Popen, object]] = []
WORKER_APP = "tracker-fault-test-worker"

# A short schedule, so that refusing for a few seconds outlasts it many times over: three
# attempts 0.05 s and 0.1 s apart at most.
QUICK = {
    "TRACKER_NOTIFY_MAX_ATTEMPTS": "3",
    "TRACKER_NOTIFY_SCHEDULE": "0.05,0.1",
    "TRACKER_NOTIFY_PROBE_BASE": "0.1",
    "TRACKER_NOTIFY_PROBE_CAP": "0.5",
    "TRACKER_NOTIFY_HTTP_TIMEOUT": "1",
    "TRACKER_NOTIFY_LEASE_SECONDS": "10",
    "TRACKER_NOTIFY_BATCH_SIZE": "10",
    "TRACKER_NOTIFY_POLL_SECONDS": "1",
}


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    """A failing test must not leave a worker, or a session of one, holding the database."""
    yield
    while STARTED:
        worker, log = STARTED.pop()
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        log.close()
    wait_until(lambda: not other_sessions(), timeout=15)


def other_sessions():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [WORKER_APP],
        )
        return cursor.fetchone()[0]


def database_url(port=None):
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{port or db['PORT']}/{db['NAME']}"


def start_worker(**env):
    log = tempfile.TemporaryFile(mode="w+")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "deliver_notifications"],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            # libpq names the workers' sessions, so that the checks below count theirs only,
            # not a session another test of this process left open.
            "PGAPPNAME": WORKER_APP,
            "LOG_LEVEL": "WARNING",
            **QUICK,
            **env,
        },
        stdout=log,
        stderr=log,
        text=True,
    )
    STARTED.append((worker, log))
    return worker


def output_of(worker):
    for started, log in STARTED:
        if started is worker:
            log.seek(0)
            return log.read()
    return ""


def delivered():
    return Notification.objects.filter(state=DeliveryState.DELIVERED).count()


def stop(worker):
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=15)
    assert worker.returncode == 0, output_of(worker)


def test_a_receiver_refusing_for_longer_than_the_schedule_gets_everything_once_it_recovers(
    webhook_channel, webhook_receiver
):
    _, receiver = webhook_receiver
    refusing = True
    receiver.fault = lambda msg_id: Reply(status=503) if refusing else None
    raise_requests(webhook_channel, threads=20, events=[Status.ACCEPTED, Status.IN_PROGRESS])
    workers = [start_worker(), start_worker()]

    wait_until(lambda: Channel.objects.get().paused_at is not None, timeout=30)
    time.sleep(4)  # 25 times the whole schedule of one notification (0.15 s)
    refused = len(receiver.attempts)
    assert Channel.objects.get().paused_at is not None
    assert not Notification.objects.filter(state=DeliveryState.FAILED).exists()
    assert max(Notification.objects.values_list("attempts", flat=True)) <= 1
    refusing = False  # nobody acts: the probes find the receiver back
    wait_until(lambda: delivered() == 60, timeout=60)

    for worker in workers:
        stop(worker)
    # Probing kept the refused requests few: one at a time, backing off.
    assert refused < 60
    received = Counter(receiver.ids())
    assert len(received) == 60
    assert set(received.values()) == {1}  # each exactly once after the recovery
    assert_every_thread_heard_everything_in_order(receiver)
    assert Channel.objects.get().paused_at is None


def test_a_receiver_that_is_not_there_for_a_while_gets_everything_once_it_is_back(
    webhook_channel, webhook_receiver
):
    server, receiver = webhook_receiver
    proxy = TcpProxy("127.0.0.1", server.server_address[1])
    Channel.objects.update(config={"url": f"http://127.0.0.1:{proxy.port}/hooks"})
    proxy.down()  # connection refused
    raise_requests(webhook_channel, threads=15, events=[Status.ACCEPTED])
    workers = [start_worker(), start_worker()]

    wait_until(lambda: Channel.objects.get().paused_at is not None, timeout=30)
    time.sleep(2)
    assert Channel.objects.get().pause_reason.startswith("Could not connect")
    assert not Notification.objects.filter(state=DeliveryState.FAILED).exists()
    proxy.up()
    wait_until(lambda: delivered() == 30, timeout=60)

    for worker in workers:
        stop(worker)
    proxy.close()
    assert set(Counter(receiver.ids()).values()) == {1}
    assert_every_thread_heard_everything_in_order(receiver)


def test_bitrix24_answering_expired_token_until_its_secret_is_replaced(db, http_api):
    server, _ = http_api
    sent = []

    def portal(recorded):
        # The REST reference (b24restdocs, _includes/system-errors.md): 401 expired_token,
        # "The access token provided has expired"; im.message.add answers {"result": id}.
        sent.append(recorded.path)
        if "/n3wc0de/" not in recorded.path:
            return Reply(
                status=401,
                body=b'{"error": "expired_token", '
                b'"error_description": "The access token provided has expired"}',
            )
        return Reply(body=b'{"result": 11}')

    server.respond = portal
    channel = ChannelFactory(
        slug="b24-main",
        kind=ChannelKind.BITRIX24,
        config={"url": server.url + "/rest/1/"},
        secrets={"webhook_token": "0ldc0de"},
    )
    raise_requests(channel, threads=12, events=[Status.ACCEPTED, Status.IN_PROGRESS])
    workers = [start_worker(), start_worker()]

    wait_until(lambda: Channel.objects.get().needs_person, timeout=30)
    time.sleep(2)  # it does not probe: only a person can fix it
    refused = len(sent)
    paused = Channel.objects.get()
    assert paused.needs_person
    assert "expired_token" in paused.pause_reason
    assert refused <= 2  # one each at most: the channel stops at once, and waits
    assert set(Notification.objects.values_list("attempts", flat=True)) == {0}

    call_command(
        "channel_setup",
        "--slug",
        "b24-main",
        "--kind",
        "bitrix24",
        "--secret",
        "webhook_token=n3wc0de",
    )
    wait_until(lambda: delivered() == 36, timeout=60)

    for worker in workers:
        stop(worker)
    accepted = [path for path in sent if "/n3wc0de/" in path]
    assert len(accepted) == 36  # each exactly once
    assert len(sent) == refused + 36


def test_workers_outlive_a_database_unreachable_for_30_seconds(webhook_channel, webhook_receiver):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=204, body=b"", delay=0.05)
    db = connection.settings_dict
    proxy = TcpProxy(db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))
    raise_requests(webhook_channel, threads=40)
    through_proxy = {"DATABASE_URL": database_url(proxy.port), "CONN_MAX_AGE": "0"}
    workers = [start_worker(**through_proxy), start_worker(**through_proxy)]
    wait_until(lambda: len(receiver.ids()) >= 5, timeout=30)

    proxy.down()
    cut_at = time.monotonic()
    # The test's own connection does not go through the proxy: work keeps arriving.
    raise_requests(webhook_channel, threads=20)
    time.sleep(max(0, 30 - (time.monotonic() - cut_at)))
    assert all(worker.poll() is None for worker in workers), [output_of(w) for w in workers]
    proxy.up()
    wait_until(lambda: delivered() == 60, timeout=90)

    assert all(worker.poll() is None for worker in workers)  # still running
    for worker in workers:
        stop(worker)
    proxy.close()
    logs = "".join(output_of(w) for w in workers)
    assert "database unavailable" in logs
    received = Counter(receiver.ids())
    assert len(received) == 60
    assert set(received.values()) == {1}
    assert_every_thread_heard_everything_in_order(receiver)


def test_repeated_sigkills_re_deliver_at_most_one_message_per_kill(
    webhook_channel, webhook_receiver
):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=204, body=b"", delay=0.02)
    raise_requests(webhook_channel, threads=150)
    quick_lease = {"TRACKER_NOTIFY_LEASE_SECONDS": "3", "TRACKER_NOTIFY_BATCH_SIZE": "50"}
    workers = [start_worker(**quick_lease), start_worker(**quick_lease)]
    kills = 0

    for _ in range(6):
        time.sleep(0.7)
        doomed = workers.pop(0)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
        kills += 1
        workers.append(start_worker(**quick_lease))
    wait_until(lambda: delivered() == 150, timeout=90)

    for worker in workers:
        stop(worker)
    received = Counter(receiver.ids())
    assert len(received) == 150
    repeats = sum(count - 1 for count in received.values())
    assert repeats <= kills, f"{repeats} re-deliveries for {kills} kills"
    assert_every_thread_heard_everything_in_order(receiver)


def test_a_committed_notification_wakes_an_idle_worker_at_once(webhook_channel, webhook_receiver):
    _, receiver = webhook_receiver
    raise_requests(webhook_channel, threads=1)
    # Polling every 30 s: only LISTEN/NOTIFY can explain a delivery within a second.
    worker = start_worker(TRACKER_NOTIFY_POLL_SECONDS="30")
    wait_until(lambda: len(receiver.ids()) == 1, timeout=30)
    time.sleep(1)  # idle, waiting

    waits = []
    for status in (Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE):
        number = Notification.objects.first().request_id
        committed = time.monotonic()
        services.request_transition(number=number, status=status)  # commits
        seen = len(receiver.ids())
        wait_until(lambda seen=seen: len(receiver.ids()) > seen, timeout=10)
        waits.append(time.monotonic() - committed)
        time.sleep(0.5)

    stop(worker)
    assert max(waits) < 1.0, waits
