"""The outbox rows a large fan-out writes (one INSERT … SELECT on PostgreSQL) are the
same as the few-thread path writes."""

from django.utils import timezone

from tests.factories import ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import DeclineReason, DeliveryState, Event, Status
from tracker.models import Notification


def test_a_status_change_reaches_every_one_of_many_threads_with_the_same_facts(channel):
    threads = [ThreadFactory(channel=channel) for _ in range(150)]
    request = log_in_thread(threads[0], title="Export deals to XLSX").request
    for thread in threads[1:]:
        log_in_thread(thread, number=request.number)
    before = timezone.now()

    services.request_transition(
        number=request.number,
        status=Status.DECLINED,
        reason=DeclineReason.PARTNER_WORK,
        public_note="Official partners do this work.",
    )

    written = Notification.objects.filter(event=Event.STATUS_CHANGED)
    assert sorted(written.values_list("thread_id", flat=True)) == sorted(t.pk for t in threads)
    rows = {
        (
            n.request_id,
            n.status,
            n.reason,
            n.public_note,
            n.merged_from,
            n.state,
            n.attempts,
            n.leased_until,
            n.last_error,
            n.delivered_at,
        )
        for n in written
    }
    assert rows == {
        (
            request.number,
            Status.DECLINED,
            DeclineReason.PARTNER_WORK,
            "Official partners do this work.",
            None,
            DeliveryState.PENDING,
            0,
            None,
            "",
            None,
        )
    }
    assert all(before <= n.next_attempt_at <= timezone.now() for n in written)
    assert all(before <= n.created_at <= timezone.now() for n in written)


def test_a_merge_tells_every_thread_of_the_duplicate_under_the_survivors_number(channel):
    threads = [ThreadFactory(channel=channel) for _ in range(120)]
    duplicate = log_in_thread(threads[0], title="Excel export").request
    for thread in threads[1:]:
        log_in_thread(thread, number=duplicate.number)
    survivor = log_in_thread(ThreadFactory(channel=channel), title="XLSX").request

    services.request_merge(number=duplicate.number, into=survivor.number)

    merged = Notification.objects.filter(event=Event.MERGED)
    assert merged.count() == 120
    assert set(merged.values_list("request_id", "merged_from", "status")) == {
        (survivor.number, duplicate.number, Status.UNDER_REVIEW)
    }
