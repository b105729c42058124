"""Intakes at once with each other and with merges, each on its own connection (PostgreSQL
only: SQLite serializes writers by design)."""

import logging
import threading
import time

from django.contrib.auth.models import Permission
from django.db import connection, transaction
from django.urls import reverse

from tests.api.conftest import client_for, intake_payload
from tests.concurrency import concurrent_test, run_at_once
from tests.factories import ChannelFactory, UserFactory, log_intake
from tracker import services
from tracker.models import Account, FeatureRequest, Mention, Notification, Thread

pytestmark = concurrent_test

N = 8


def _user(username, *codenames):
    # Permissions, not the group: a transactional test elsewhere may have flushed the groups
    # that the data migration made (post_migrate makes permissions again, not groups).
    user = UserFactory(username=username)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames)
    )
    return user


def test_identical_intakes_at_once_leave_one_request_and_one_mention():
    ChannelFactory()
    agent = _user("agent", "add_mention")
    payload = intake_payload(thread={"channel": "hooks-main", "ref": "chat-race"})

    answers, errors = run_at_once(
        lambda _: client_for(agent).post(reverse("api-intake"), payload, format="json"), N
    )

    assert errors == []
    assert sorted(a.status_code for a in answers) == [200] * (N - 1) + [201]
    assert len({a.json()["number"] for a in answers}) == 1
    assert FeatureRequest.objects.count() == 1
    assert (Account.objects.count(), Thread.objects.count()) == (1, 1)
    assert Mention.objects.count() == 1
    assert Notification.objects.count() == 1
    assert FeatureRequest.objects.get().customer_count == 1


def test_intakes_on_a_merged_request_racing_a_merge_of_its_survivor_all_land(caplog):
    """Attaching to a merged request locks the request it is tracked under now, never the
    merged one and then its survivor; the merge locks all three in one ordered statement.
    Something holds the survivor until every intake and the merge wait for it, so that
    they all meet."""
    ChannelFactory()
    agent = _user("agent", "add_mention")
    merged = log_intake(title="Excel export", ref="m1").number
    survivor = log_intake(title="Export deals", ref="s1", account="b.example.com").number
    final = log_intake(title="Export to XLSX", ref="f1", account="c.example.com").number
    services.request_merge(number=merged, into=survivor)
    intakes = 2 * N

    def hold_the_survivor():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT 1 FROM tracker_featurerequest WHERE number = %s FOR UPDATE", [survivor]
            )
            _until_waiting_for_locks(cursor, intakes + 1)

    def merge_the_survivor():
        with connection.cursor() as cursor:
            _until_waiting_for_locks(cursor, intakes)
        return services.request_merge(number=survivor, into=final)

    def intake(i):
        payload = intake_payload(
            account={"external_id": f"portal{i}.example.com"},
            thread={"channel": "hooks-main", "ref": f"race{i}"},
            title="",
            request_number=merged,
        )
        return client_for(agent).post(reverse("api-intake"), payload, format="json")

    def work(i):
        return [hold_the_survivor, merge_the_survivor][i]() if i < 2 else intake(i)

    with caplog.at_level(logging.WARNING, logger="tracker.services"):
        answers, errors = run_at_once(work, intakes + 2)

    assert errors == []
    codes = [a.status_code for a in answers if hasattr(a, "status_code")]
    assert codes == [200] * intakes
    assert "deadlock" not in caplog.text
    kept = FeatureRequest.objects.get(number=final)
    assert (kept.customer_count, kept.mention_count) == (intakes + 3, intakes + 3)
    assert services.requests_recount(numbers=[final]) == 0


def test_an_intake_that_postgresql_rolls_back_to_break_a_deadlock_runs_again(caplog):
    """Something outside the services locks a request, then the thread an intake holds
    (against the lock order): PostgreSQL rolls the intake back, and it runs again."""
    ChannelFactory()
    agent = _user("agent", "add_mention")
    number = log_intake(title="Export deals", ref="chat1").number
    log_intake(title="Dark theme", ref="chat2")
    thread_id = Thread.objects.get(ref="chat2").pk
    request_locked = threading.Event()

    def against_the_order():
        with transaction.atomic(), connection.cursor() as cursor:
            # The intake waits 1 s before it looks for a deadlock, this one 10 s: the
            # intake finds it first and is the one rolled back.
            cursor.execute("SET LOCAL deadlock_timeout = '10s'")
            cursor.execute(
                "SELECT 1 FROM tracker_featurerequest WHERE number = %s FOR UPDATE", [number]
            )
            request_locked.set()
            _until_waiting_for_locks(cursor, 1)
            cursor.execute("SELECT 1 FROM tracker_thread WHERE id = %s FOR UPDATE", [thread_id])

    def the_intake():
        request_locked.wait(10)
        payload = intake_payload(
            account={"external_id": "acme.bitrix24.com"},
            thread={"channel": "hooks-main", "ref": "chat2"},
            title="",
            request_number=number,
        )
        return client_for(agent).post(reverse("api-intake"), payload, format="json")

    with caplog.at_level(logging.WARNING, logger="tracker.services"):
        answers, errors = run_at_once(lambda i: [against_the_order, the_intake][i](), 2)

    assert errors == []
    (answer,) = [a for a in answers if a is not None]
    assert answer.status_code == 200
    assert Mention.objects.filter(request_id=number).count() == 2
    assert "intake_log: deadlock detected; attempt 1 of 5" in caplog.text


def _until_waiting_for_locks(cursor, n, timeout=20):
    """Until `n` transactions wait for a lock (or the timeout: the test then checks what
    happened anyway)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        # pg_locks is read afresh each time (pg_stat_activity would be a snapshot for the
        # rest of this transaction).
        cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
        if cursor.fetchone()[0] >= n:
            return
        time.sleep(0.05)
