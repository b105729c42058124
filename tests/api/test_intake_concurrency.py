"""Identical intakes at once, each on its own connection (PostgreSQL only: SQLite
serializes writers by design)."""

import threading

import pytest
from django.contrib.auth.models import Permission
from django.db import connection, connections
from django.urls import reverse

from tests.api.conftest import client_for, intake_payload
from tests.factories import ChannelFactory, UserFactory
from tracker.models import Account, FeatureRequest, Mention, Notification, Thread

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database with concurrent writers"
    ),
]

N = 8


def at_once(call):
    barrier = threading.Barrier(N)
    answers, errors = [], []

    def worker():
        try:
            barrier.wait()
            answers.append(call())
        except Exception as error:  # collected and asserted on by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return answers


def test_identical_intakes_at_once_leave_one_request_and_one_mention():
    ChannelFactory()
    # Permissions, not the group: a transactional test elsewhere may have flushed the groups
    # that the data migration made (post_migrate makes permissions again, not groups).
    agent = UserFactory(username="agent")
    agent.user_permissions.add(
        Permission.objects.get(content_type__app_label="tracker", codename="add_mention")
    )
    payload = intake_payload(thread={"channel": "hooks-main", "ref": "chat-race"})

    answers = at_once(lambda: client_for(agent).post(reverse("api-intake"), payload, format="json"))

    assert sorted(a.status_code for a in answers) == [200] * (N - 1) + [201]
    assert len({a.json()["number"] for a in answers}) == 1
    assert FeatureRequest.objects.count() == 1
    assert (Account.objects.count(), Thread.objects.count()) == (1, 1)
    assert Mention.objects.count() == 1
    assert Notification.objects.count() == 1
    assert FeatureRequest.objects.get().customer_count == 1
