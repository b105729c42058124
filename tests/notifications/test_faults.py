"""Fault tests with real worker processes (the management command) on PostgreSQL: a
receiver that fails half the time, times out or drops the connection; a worker killed
with SIGKILL in the middle of a batch; two workers at once."""

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import DeliveryState, Status
from tracker.models import Notification

from .conftest import Reply

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="worker processes need a database they can share: run with PostgreSQL",
    ),
]

BASE_DIR = Path(__file__).resolve().parents[2]


STARTED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    """A failing test must not leave a worker holding the test database."""
    yield
    while STARTED:
        worker = STARTED.pop()
        if worker.poll() is None:
            worker.kill()
            worker.communicate(timeout=10)


def start_worker(*args, **settings):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "1",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "ERROR"),
        "TRACKER_NOTIFY_POLL_SECONDS": "0.05",
        # Exponential backoff from the test's base and cap, and quick probes of a paused
        # channel, unless a test says otherwise.
        "TRACKER_NOTIFY_SCHEDULE": "",
        "TRACKER_NOTIFY_PROBE_BASE": "0.05",
        "TRACKER_NOTIFY_PROBE_CAP": "0.5",
        **{f"TRACKER_NOTIFY_{k.upper()}": str(v) for k, v in settings.items()},
    }
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "deliver_notifications", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    STARTED.append(worker)
    return worker


def wait_until(condition, *, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def all_delivered():
    return not Notification.objects.exclude(state=DeliveryState.DELIVERED).exists()


def stop(worker):
    worker.send_signal(signal.SIGTERM)
    out, err = worker.communicate(timeout=15)
    assert worker.returncode == 0, err
    return out


def raise_requests(channel, *, threads, events=()):
    """One request per thread, then each status in `events` for every request."""
    numbers = [
        log_in_thread(ThreadFactory(channel=channel), title=f"Wish {i}").request.number
        for i in range(threads)
    ]
    for status in events:
        for number in numbers:
            services.request_transition(number=number, status=status)


def assert_every_thread_heard_everything_in_order(receiver):
    first_seen = list(dict.fromkeys(receiver.ids()))
    by_thread = {}
    for notification in Notification.objects.order_by("id"):
        by_thread.setdefault(notification.thread_id, []).append(notification.pk)
    for ids in by_thread.values():
        assert [i for i in first_seen if i in set(ids)] == ids
    assert set(first_seen) == {i for ids in by_thread.values() for i in ids}


def test_a_receiver_failing_half_the_time_still_gets_everything_in_order(
    webhook_channel, webhook_receiver
):
    _, receiver = webhook_receiver
    luck = random.Random(5)
    lock = threading.Lock()

    def flaky(msg_id):
        with lock:
            roll = luck.random()
        if roll < 0.3:
            return Reply(status=500)
        if roll < 0.4:
            return Reply(delay=0.5)  # the worker gives up after 0.2 s
        if roll < 0.5:
            return Reply(drop=True)
        return None

    receiver.fault = flaky
    raise_requests(
        webhook_channel, threads=15, events=[Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE]
    )
    settings = {
        "http_timeout": 0.2,
        "backoff_base": 0.01,
        "backoff_cap": 0.1,
        "max_attempts": 200,
        "batch_size": 10,
    }
    workers = [start_worker(**settings), start_worker(**settings)]

    wait_until(all_delivered, timeout=120)

    for worker in workers:
        stop(worker)
    assert Notification.objects.count() == 60
    assert_every_thread_heard_everything_in_order(receiver)
    assert Notification.objects.filter(attempts__gt=1).exists()


def test_a_worker_killed_in_the_middle_of_a_batch_loses_nothing(webhook_channel, webhook_receiver):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=204, body=b"", delay=0.02)
    raise_requests(webhook_channel, threads=120)
    doomed = start_worker(batch_size=50, lease_seconds=3, http_timeout=1)

    wait_until(lambda: len(receiver.ids()) >= 10, timeout=30)
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=10)
    assert doomed.returncode == -signal.SIGKILL
    stuck = Notification.objects.filter(state=DeliveryState.PENDING, leased_until__isnull=False)
    assert stuck.exists()  # the dead worker's batch, leased and unfinished
    survivor = start_worker(batch_size=50, lease_seconds=3, http_timeout=1)

    wait_until(all_delivered, timeout=60)

    stop(survivor)
    assert set(receiver.ids()) == set(Notification.objects.values_list("id", flat=True))
    assert_every_thread_heard_everything_in_order(receiver)


def test_two_workers_at_once_deliver_each_notification_exactly_once(
    webhook_channel, webhook_receiver
):
    _, receiver = webhook_receiver
    raise_requests(webhook_channel, threads=150, events=[Status.ACCEPTED])
    workers = [start_worker("--once", batch_size=20) for _ in range(2)]

    outputs = [worker.communicate(timeout=120) for worker in workers]

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    assert all_delivered()
    received = Counter(receiver.ids())
    assert len(received) == 300
    assert set(received.values()) == {1}
    assert_every_thread_heard_everything_in_order(receiver)
    # Both did a share of the work.
    assert all("Delivered 0," not in out for out, _ in outputs)


def test_sigterm_stops_a_worker_mid_batch_and_hands_back_the_rest(
    webhook_channel, webhook_receiver
):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=204, body=b"", delay=0.3)
    raise_requests(webhook_channel, threads=30)
    worker = start_worker(batch_size=30)

    wait_until(lambda: len(receiver.ids()) >= 1, timeout=30)
    started = time.monotonic()
    out = stop(worker)

    assert time.monotonic() - started < 3
    delivered = Notification.objects.filter(state=DeliveryState.DELIVERED).count()
    assert 1 <= delivered < 30
    assert f"Delivered {delivered}," in out
    assert not Notification.objects.filter(leased_until__isnull=False).exists()
