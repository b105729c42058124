"""The worker: order per thread, backoff, giving up, retry, leases. In-process, on a real
webhook receiver; the crash and concurrency cases with real processes are in test_faults."""

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from tests.factories import ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import DeliveryState, Status
from tracker.models import Notification
from tracker.notifications.delivery import Policy, claim, deliver_batch

from .conftest import Reply


def drain(policy, *, rounds=50):
    """Run batches, as time passes, until nothing is claimed."""
    later = timezone.now()
    for _ in range(rounds):
        later += timedelta(seconds=1)
        if not deliver_batch(policy=policy, now=later).claimed:
            return
    raise AssertionError("the outbox did not drain")


@pytest.fixture
def history(webhook_channel):
    """One thread that heard three events about one request, and a second thread."""
    thread = ThreadFactory(channel=webhook_channel)
    other = ThreadFactory(channel=webhook_channel)
    request = log_in_thread(thread, title="Export deals to XLSX").request
    services.request_transition(number=request.number, status=Status.ACCEPTED)
    services.request_transition(number=request.number, status=Status.IN_PROGRESS)
    log_in_thread(other, title="Dark mode")
    return thread, other


def test_a_thread_gets_one_notification_at_a_time_and_in_order(history, webhook_receiver, policy):
    thread, _ = history
    _, receiver = webhook_receiver

    first = deliver_batch(policy=policy)

    assert first.claimed == 2  # the thread's first event and the other thread's
    drain(policy)
    ids = list(
        Notification.objects.filter(thread=thread).order_by("id").values_list("id", flat=True)
    )
    assert [i for i in receiver.ids() if i in ids] == ids
    assert not Notification.objects.exclude(state=DeliveryState.DELIVERED).exists()


def test_a_failing_notification_holds_back_the_later_ones_of_its_thread_only(
    history, webhook_receiver, policy
):
    thread, other = history
    _, receiver = webhook_receiver
    first_id = Notification.objects.filter(thread=thread).order_by("id").first().pk
    receiver.fault = lambda msg_id: Reply(status=500) if msg_id == str(first_id) else None

    drain(policy)

    failed = Notification.objects.get(pk=first_id)
    assert failed.state == DeliveryState.FAILED
    assert failed.attempts == policy.max_attempts
    assert failed.last_error == "Webhook: HTTP 500."
    assert Notification.objects.filter(thread=thread, state=DeliveryState.PENDING).count() == 2
    assert Notification.objects.get(thread=other).state == DeliveryState.DELIVERED

    receiver.fault = lambda msg_id: None
    assert services.notification_retry(ids=[first_id]) == 1
    drain(policy)

    ids = list(
        Notification.objects.filter(thread=thread).order_by("id").values_list("id", flat=True)
    )
    assert [i for i in receiver.ids() if i in ids] == ids
    assert Notification.objects.get(pk=first_id).attempts == 1


def test_a_failed_attempt_backs_off_exponentially_with_jitter():
    policy = Policy(
        batch_size=1, lease_seconds=60, max_attempts=9, backoff_base=5, backoff_cap=600, timeout=1
    )

    waits = {attempt: [policy.backoff(attempt) for _ in range(200)] for attempt in (1, 2, 3, 9)}

    assert all(2.5 <= w <= 5 for w in waits[1])
    assert all(5 <= w <= 10 for w in waits[2])
    assert all(10 <= w <= 20 for w in waits[3])
    assert all(300 <= w <= 600 for w in waits[9])  # capped
    assert len(set(waits[3])) > 100  # jittered


def test_a_failed_attempt_waits_before_the_next(webhook_channel, webhook_receiver):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=502)
    log_in_thread(ThreadFactory(channel=webhook_channel), title="Dark mode")
    policy = Policy(
        batch_size=10, lease_seconds=60, max_attempts=5, backoff_base=60, backoff_cap=600, timeout=2
    )

    deliver_batch(policy=policy)
    again = deliver_batch(policy=policy)

    notification = Notification.objects.get()
    assert again.claimed == 0
    assert notification.attempts == 1
    assert notification.next_attempt_at >= timezone.now() + timedelta(seconds=25)


def test_a_timeout_and_a_dropped_connection_are_retried(webhook_channel, webhook_receiver, policy):
    _, receiver = webhook_receiver
    faults = [Reply(delay=1.0), Reply(drop=True)]
    receiver.fault = lambda msg_id: faults.pop(0) if faults else None
    log_in_thread(ThreadFactory(channel=webhook_channel), title="Dark mode")
    quick = Policy(**{**policy.__dict__, "timeout": 0.3, "max_attempts": 5})

    deliver_batch(policy=quick)
    first_error = Notification.objects.get().last_error
    deliver_batch(policy=quick, now=timezone.now() + timedelta(seconds=1))
    second_error = Notification.objects.get().last_error
    drain(quick)

    notification = Notification.objects.get()
    assert first_error == "No answer within 0.3 s."
    assert second_error.startswith("The connection was dropped")
    assert notification.state == DeliveryState.DELIVERED
    assert notification.attempts == 3


def test_a_leased_notification_is_left_alone_until_its_lease_runs_out(
    webhook_channel, webhook_receiver, policy
):
    _, receiver = webhook_receiver
    log_in_thread(ThreadFactory(channel=webhook_channel), title="Dark mode")
    crashed, lease = claim(policy=policy)  # a worker that claimed and died

    while_leased = deliver_batch(policy=policy)
    after_lease = deliver_batch(policy=policy, now=lease + timedelta(seconds=1))

    assert len(crashed) == 1
    assert while_leased.claimed == 0
    assert after_lease.delivered == 1
    assert receiver.ids() == [crashed[0].pk]


def test_a_late_answer_from_a_worker_whose_lease_was_taken_over_changes_nothing(
    webhook_channel, policy
):
    log_in_thread(ThreadFactory(channel=webhook_channel), title="Dark mode")
    _, old_lease = claim(policy=policy)
    [taken], new_lease = claim(policy=policy, now=old_lease + timedelta(seconds=1))

    stale = Notification.objects.filter(pk=taken.pk, leased_until=old_lease).update(
        state=DeliveryState.DELIVERED
    )

    assert stale == 0
    assert Notification.objects.get().leased_until == new_lease


def test_retry_leaves_notifications_that_have_not_failed_alone(history):
    pending = Notification.objects.first()

    assert services.notification_retry(ids=[pending.pk]) == 0
    pending.refresh_from_db()
    assert pending.state == DeliveryState.PENDING


def test_an_inactive_channel_keeps_its_notifications(webhook_channel, policy):
    log_in_thread(ThreadFactory(channel=webhook_channel), title="Dark mode")
    webhook_channel.is_active = False
    webhook_channel.save()

    deliver_batch(policy=policy)

    notification = Notification.objects.get()
    assert notification.state == DeliveryState.PENDING
    assert notification.last_error == "Channel 'hooks-main' is inactive."


def test_a_lease_shorter_than_the_send_timeout_is_refused():
    with pytest.raises(ImproperlyConfigured):
        Policy(
            batch_size=1, lease_seconds=5, max_attempts=3, backoff_base=1, backoff_cap=9, timeout=10
        )


def test_stopping_hands_back_what_is_not_sent_yet(webhook_channel, webhook_receiver, policy):
    _, receiver = webhook_receiver
    for title in ("One", "Two", "Three"):
        log_in_thread(ThreadFactory(channel=webhook_channel), title=title)

    outcome = deliver_batch(policy=policy, should_stop=lambda: bool(receiver.ids()))

    assert (outcome.claimed, outcome.delivered, outcome.released) == (3, 1, 2)
    assert (
        Notification.objects.filter(state=DeliveryState.PENDING, leased_until__isnull=True).count()
        == 2
    )
    assert deliver_batch(policy=policy).delivered == 2
