"""Identical intakes at once, each on its own connection (PostgreSQL only: SQLite
serializes writers by design)."""

from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.api.conftest import client_for, intake_payload
from tests.concurrency import concurrent_test, run_at_once
from tests.factories import ChannelFactory, UserFactory
from tracker.models import Account, FeatureRequest, Mention, Notification, Thread

pytestmark = concurrent_test

N = 8


def test_identical_intakes_at_once_leave_one_request_and_one_mention():
    ChannelFactory()
    # Permissions, not the group: a transactional test elsewhere may have flushed the groups
    # that the data migration made (post_migrate makes permissions again, not groups).
    agent = UserFactory(username="agent")
    agent.user_permissions.add(
        Permission.objects.get(content_type__app_label="tracker", codename="add_mention")
    )
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
