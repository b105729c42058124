"""Nothing waits silently: `notifications_status` (non-zero exit when a person is needed)
and `/metrics` in the Prometheus text format report the same figures."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import ChannelFactory, ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import ChannelKind, DeliveryState, Status
from tracker.models import Channel, Notification
from tracker.notifications.delivery import deliver_batch

from .conftest import Reply


def status():
    """Run the command: (exit code, stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("notifications_status", stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def outbox(webhook_channel):
    """Two threads on the webhook channel and one on a log channel, each owed one."""
    log = ChannelFactory(slug="log-main", kind=ChannelKind.LOG)
    for channel in (webhook_channel, webhook_channel, log):
        log_in_thread(ThreadFactory(channel=channel), title="Export")
    return webhook_channel


# --- notifications_status ---------------------------------------------------------------


def test_it_reports_the_outbox_and_exits_0_when_it_looks_after_itself(outbox):
    code, out, err = status()

    assert code == 0
    assert out.startswith("outbox: 3 pending, 0 failed; oldest pending ")
    assert "0 channel(s) paused" in out
    assert "hooks-main" in out and "log-main" in out
    assert out.rstrip().endswith("OK: nothing needs a person.")
    assert err == ""


def test_a_channel_paused_for_want_of_a_person_makes_it_exit_1(outbox):
    Channel.objects.filter(pk=outbox.pk).update(
        paused_at=timezone.now(), needs_person=True, pause_reason="Webhook: HTTP 410 Gone."
    )

    code, out, err = status()

    assert code == 1
    assert "paused until a person acts: Webhook: HTTP 410 Gone." in out
    assert "NEEDS A PERSON: channel hooks-main is paused until a person acts" in err


def test_failed_notifications_make_it_exit_1(outbox):
    Notification.objects.filter(pk=Notification.objects.first().pk).update(
        state=DeliveryState.FAILED
    )

    code, _, err = status()

    assert code == 1
    assert "1 notification(s) of channel hooks-main failed and hold their threads" in err


@override_settings(TRACKER_NOTIFY_ALERT_LAG=60)
def test_due_notifications_waiting_too_long_mean_no_worker_is_running(outbox):
    assert status()[0] == 0
    Notification.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=90))

    code, _, err = status()

    assert code == 1
    assert "wait 90 s past due: is a worker running?" in err


@override_settings(TRACKER_NOTIFY_ALERT_OUTAGE=600)
def test_an_outage_needs_a_person_only_once_it_lasts(outbox):
    Channel.objects.filter(pk=outbox.pk).update(
        paused_at=timezone.now() - timedelta(seconds=300), pause_reason="Webhook: HTTP 503."
    )
    assert status()[0] == 0  # a short outage looks after itself

    Channel.objects.filter(pk=outbox.pk).update(paused_at=timezone.now() - timedelta(hours=2))
    code, _, err = status()

    assert code == 1
    assert "channel hooks-main has been failing for 2.0 h: Webhook: HTTP 503." in err


# --- /metrics -----------------------------------------------------------------------------


def scrape(client, **headers):
    response = client.get(reverse("metrics"), headers=headers)
    if response.status_code != 200:
        return response, {}
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return response, samples


def value(samples, name, **labels):
    return samples[(name, tuple(sorted(labels.items())))]


@override_settings(ROOT_URLCONF="tests.notifications.urls")
def test_metrics_are_off_unless_a_setting_turns_them_on(client, db):
    assert client.get(reverse("metrics")).status_code == 404


@override_settings(
    ROOT_URLCONF="tests.notifications.urls", METRICS_ENABLED=True, METRICS_TOKEN="scrape-me"
)
def test_metrics_want_the_bearer_token_when_one_is_set(client, db):
    missing, _ = scrape(client)
    wrong, _ = scrape(client, authorization="Bearer nope")
    right, _ = scrape(client, authorization="Bearer scrape-me")

    assert (missing.status_code, wrong.status_code, right.status_code) == (401, 401, 200)
    assert missing["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert right["Content-Type"].startswith("text/plain; version=0.0.4")


@override_settings(ROOT_URLCONF="tests.notifications.urls", METRICS_ENABLED=True)
def test_metrics_show_the_outbox_pauses_failures_deliveries_and_latency(
    outbox, webhook_receiver, policy, client
):
    _, receiver = webhook_receiver
    deliver_batch(policy=policy)  # the three registrations
    services.request_transition(
        number=Notification.objects.first().request_id, status=Status.ACCEPTED
    )
    receiver.fault = lambda msg_id: Reply(status=410)
    deliver_batch(policy=policy)
    Notification.objects.filter(pk=Notification.objects.first().pk).update(
        state=DeliveryState.FAILED
    )

    _, samples = scrape(client)

    assert value(samples, "tracker_channel_paused", channel="hooks-main") == 1
    assert value(samples, "tracker_channel_needs_person", channel="hooks-main") == 1
    assert value(samples, "tracker_channel_paused", channel="log-main") == 0
    assert value(samples, "tracker_outbox_pending", channel="hooks-main") == 1
    assert value(samples, "tracker_outbox_failed", channel="hooks-main") == 1
    assert value(samples, "tracker_outbox_problems") == 2
    assert value(samples, "tracker_notifications_delivered_total", channel="hooks-main") == 2
    assert value(samples, "tracker_notifications_delivered_total", channel="log-main") == 1
    assert value(samples, "tracker_notification_delivery_seconds_count", channel="hooks-main") == 2
    assert (
        value(
            samples, "tracker_notification_delivery_seconds_bucket", channel="hooks-main", le="+Inf"
        )
        == 2
    )
    assert (
        value(
            samples, "tracker_notification_delivery_seconds_bucket", channel="hooks-main", le="60.0"
        )
        == 2
    )
    assert (
        0 < value(samples, "tracker_notification_delivery_seconds_sum", channel="hooks-main") < 60
    )
    assert value(samples, "tracker_outbox_oldest_pending_age_seconds", channel="hooks-main") >= 0


@override_settings(ROOT_URLCONF="tests.notifications.urls", METRICS_ENABLED=True)
def test_failed_attempts_and_give_ups_are_counted_per_channel(
    outbox, webhook_receiver, policy, client
):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=400)  # each message refused on its own

    for _ in range(policy.max_attempts):
        deliver_batch(policy=policy, now=timezone.now() + timedelta(minutes=10))

    _, samples = scrape(client)
    assert (
        value(samples, "tracker_notification_failed_attempts_total", channel="hooks-main")
        == 2 * policy.max_attempts
    )
    assert value(samples, "tracker_notifications_gave_up_total", channel="hooks-main") == 2
