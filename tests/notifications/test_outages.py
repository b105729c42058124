"""An outage is the channel's, not the notification's; errors that need a person stop and
say so. In-process, against real local servers; the same with real worker processes on
PostgreSQL is in test_faults.py."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import ChannelFactory, ThreadFactory, UserFactory, log_in_thread
from tracker import services
from tracker.choices import ChannelKind, DeliveryState, Status
from tracker.models import Channel, Notification
from tracker.notifications.delivery import STANDARD_SCHEDULE, Policy, deliver_batch

from .conftest import Reply


def later(seconds):
    return timezone.now() + timedelta(seconds=seconds)


def drain(policy, *, start=0, step=1, rounds=60):
    """Run batches as time passes, until nothing is claimed."""
    for i in range(rounds):
        if not deliver_batch(policy=policy, now=later(start + i * step)).claimed:
            return
    raise AssertionError("the outbox did not drain")


def in_order(received_ids):
    """Every thread heard its notifications in the order they were written."""
    first_seen = list(dict.fromkeys(received_ids))
    for thread_id in set(Notification.objects.values_list("thread_id", flat=True)):
        ids = list(
            Notification.objects.filter(thread_id=thread_id)
            .order_by("id")
            .values_list("id", flat=True)
        )
        assert [i for i in first_seen if i in set(ids)] == ids
    return True


@pytest.fixture
def three_threads(webhook_channel):
    """Three threads; the first heard two events."""
    threads = [ThreadFactory(channel=webhook_channel) for _ in range(3)]
    first = log_in_thread(threads[0], title="Export").request
    for thread in threads[1:]:
        log_in_thread(thread, number=first.number)
    services.request_transition(number=first.number, status=Status.ACCEPTED)
    return threads


def test_a_receiver_down_for_everyone_pauses_the_channel_and_spends_no_attempts(
    three_threads, webhook_channel, webhook_receiver, policy
):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=503)

    outcome = deliver_batch(policy=policy)

    channel = Channel.objects.get(pk=webhook_channel.pk)
    assert outcome.paused == 1
    assert channel.paused_at is not None and not channel.needs_person
    assert channel.pause_reason == "Webhook: HTTP 503."
    assert channel.probe_at > timezone.now()
    # The first failure might have been that message's; the second, another's, is not.
    assert len(receiver.attempts) == 2
    assert sorted(Notification.objects.values_list("attempts", flat=True)) == [0, 0, 0, 0, 0, 1]
    assert not Notification.objects.exclude(state=DeliveryState.PENDING).exists()
    # Nothing is tried before the probe is due.
    assert deliver_batch(policy=policy, now=later(1)).claimed == 0
    assert len(receiver.attempts) == 2


def test_probes_back_off_spend_no_attempts_and_the_first_that_gets_through_drains_in_order(
    three_threads, webhook_channel, webhook_receiver, policy
):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=503)
    deliver_batch(policy=policy)
    probe_times = []
    for _ in range(8):  # far longer than three attempts' worth of backoff
        channel = Channel.objects.get(pk=webhook_channel.pk)
        probe_times.append(channel.probe_at)
        assert (
            deliver_batch(policy=policy, now=channel.probe_at + timedelta(seconds=1)).claimed == 1
        )
    channel = Channel.objects.get(pk=webhook_channel.pk)
    assert channel.probe_failures == 8
    gaps = [(b - a).total_seconds() for a, b in pairwise(probe_times)]
    assert gaps[-1] > gaps[0]  # backing off
    assert max(Notification.objects.values_list("attempts", flat=True)) <= 1
    assert not Notification.objects.filter(state=DeliveryState.FAILED).exists()

    receiver.fault = lambda msg_id: None
    outcome = deliver_batch(policy=policy, now=channel.probe_at + timedelta(seconds=1))
    assert (outcome.claimed, outcome.delivered) == (1, 1)
    assert Channel.objects.get(pk=webhook_channel.pk).paused_at is None
    drain(policy, start=600)

    assert not Notification.objects.exclude(state=DeliveryState.DELIVERED).exists()
    assert len(receiver.ids()) == len(set(receiver.ids())) == 6
    assert in_order(receiver.ids())


def test_a_message_the_receiver_always_refuses_fails_on_its_own_and_the_channel_goes_on(
    three_threads, webhook_channel, webhook_receiver, policy
):
    _, receiver = webhook_receiver
    poison = Notification.objects.filter(thread=three_threads[1]).order_by("id").first().pk
    receiver.fault = lambda msg_id: Reply(status=500) if msg_id == str(poison) else None

    drain(policy)

    assert Notification.objects.get(pk=poison).state == DeliveryState.FAILED
    assert Notification.objects.get(pk=poison).attempts == policy.max_attempts
    # All but the poison and the one its thread holds back behind it.
    assert Notification.objects.filter(state=DeliveryState.DELIVERED).count() == 4
    assert Channel.objects.get(pk=webhook_channel.pk).paused_at is None


def test_connection_refused_for_everyone_pauses_the_channel(db, policy):
    channel = ChannelFactory(
        slug="hooks-gone",
        kind=ChannelKind.WEBHOOK,
        config={"url": "http://127.0.0.1:9/hook"},
        secrets={"signing_key": "whsec_" + "YSBzaWduaW5nIGtleSBvZiB0aGlydHktdHdvIGJ5dGVz"},
    )
    for title in ("One", "Two", "Three"):
        log_in_thread(ThreadFactory(channel=channel), title=title)

    deliver_batch(policy=policy)

    channel.refresh_from_db()
    assert channel.pause_reason.startswith("Could not connect")
    assert sum(Notification.objects.values_list("attempts", flat=True)) == 0


def test_a_receiver_that_refuses_connections_pauses_at_once_even_for_one_notification(db, policy):
    # Nothing listens on port 9 (discard) here: the connection is refused, so no message
    # reached the receiver and none is to blame. The lone notification keeps its attempts.
    channel = ChannelFactory(
        slug="hooks-gone",
        kind=ChannelKind.WEBHOOK,
        config={"url": "http://127.0.0.1:9/hook"},
        secrets={"signing_key": "whsec_" + "YSBzaWduaW5nIGtleSBvZiB0aGlydHktdHdvIGJ5dGVz"},
    )
    log_in_thread(ThreadFactory(channel=channel), title="One")

    for round_ in range(3):
        deliver_batch(policy=policy, now=later(round_ * 400))

    channel.refresh_from_db()
    assert channel.paused_at is not None and not channel.needs_person
    assert channel.pause_reason == "Could not connect: ConnectionRefusedError."
    notification = Notification.objects.get()
    assert (notification.state, notification.attempts) == (DeliveryState.PENDING, 0)


# --- errors that need a person ------------------------------------------------------------


@pytest.fixture
def portal(db, http_api):
    """A Bitrix24 portal whose incoming webhook accepts only the code `n3wc0de`. It answers
    as the REST reference says (b24restdocs, _includes/system-errors.md): HTTP 401 with
    `{"error": "expired_token", "error_description": "The access token provided has
    expired"}` for a code it no longer takes, and `{"result": <message id>}` otherwise."""
    server, _ = http_api
    sent = []

    def answer(recorded):
        sent.append(recorded)
        if "/n3wc0de/" not in recorded.path:
            return Reply(
                status=401,
                body=b'{"error": "expired_token", '
                b'"error_description": "The access token provided has expired"}',
            )
        return Reply(body=b'{"result": 4711}')

    server.respond = answer
    channel = ChannelFactory(
        slug="b24-main",
        kind=ChannelKind.BITRIX24,
        config={"url": server.url + "/rest/1/"},
        secrets={"webhook_token": "0ldc0de"},
    )
    return channel, sent


def test_an_expired_bitrix24_token_pauses_the_channel_until_the_secret_is_replaced(portal, policy):
    channel, sent = portal
    for i in range(3):
        log_in_thread(ThreadFactory(channel=channel, ref=f"chat{i}"), title=f"Wish {i}")

    deliver_batch(policy=policy)
    for minutes in (1, 10, 60, 600):  # no probing: only a person can fix it
        deliver_batch(policy=policy, now=later(minutes * 60))

    channel.refresh_from_db()
    assert len(sent) == 1
    assert channel.needs_person
    assert channel.pause_reason == (
        "Bitrix24: expired_token: The access token provided has expired"
    )
    assert "0ldc0de" not in channel.pause_reason
    assert set(Notification.objects.values_list("attempts", "state")) == {(0, "pending")}

    call_command(
        "channel_setup",
        "--slug",
        "b24-main",
        "--kind",
        "bitrix24",
        "--secret",
        "webhook_token=n3wc0de",
    )
    drain(policy)

    assert Notification.objects.filter(state=DeliveryState.DELIVERED).count() == 3
    assert len(sent) == 4
    assert Channel.objects.get(pk=channel.pk).paused_at is None


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (200, b'{"ok": false, "error": "invalid_auth"}', "Slack: invalid_auth."),
        (200, b'{"ok": false, "error": "token_revoked"}', "Slack: token_revoked."),
        (401, b'{"ok": false, "error": "not_authed"}', "Slack: not_authed."),
    ],
)
def test_a_revoked_slack_token_pauses_the_channel(db, http_api, policy, status, body, reason):
    server, api = http_api
    api.default = Reply(status=status, body=body)
    channel = ChannelFactory(
        slug="slack-main",
        kind=ChannelKind.SLACK,
        config={"api_url": server.url + "/api"},
        secrets={"bot_token": "xoxb-revoked"},
    )
    log_in_thread(ThreadFactory(channel=channel, ref="C1:1.2"), title="One")
    log_in_thread(ThreadFactory(channel=channel, ref="C1:1.3"), title="Two")

    outcome = deliver_batch(policy=policy)

    channel.refresh_from_db()
    assert (channel.needs_person, channel.pause_reason) == (True, reason)
    assert outcome.retried == 2
    assert set(Notification.objects.values_list("attempts", flat=True)) == {0}


def test_a_webhook_answering_410_gone_pauses_until_a_person_resumes_it(
    three_threads, webhook_channel, webhook_receiver, policy, client
):
    _, receiver = webhook_receiver
    receiver.fault = lambda msg_id: Reply(status=410)
    deliver_batch(policy=policy)
    channel = Channel.objects.get(pk=webhook_channel.pk)
    assert channel.needs_person
    assert channel.pause_reason == "Webhook: HTTP 410 Gone: the receiver wants no more messages."
    assert len(receiver.attempts) == 1
    pm = UserFactory(username="pm", is_staff=True, groups=["Product managers"])
    client.force_login(pm)

    # It says so prominently: the admin index, the channel's page, the outbox.
    for url in (
        reverse("admin:index"),
        reverse("admin:tracker_channel_change", args=[channel.pk]),
        reverse("admin:tracker_channel_changelist"),
        reverse("admin:tracker_notification_changelist"),
    ):
        html = client.get(url).content.decode().lower()
        assert "channel hooks-main is paused until a person acts" in html, url
        assert "410 gone" in html
    page = client.get(reverse("admin:tracker_channel_change", args=[channel.pk])).content.decode()
    assert "Resume delivery" in page

    receiver.fault = lambda msg_id: None
    response = client.post(reverse("admin:tracker_channel_resume", args=[channel.pk]))
    assert response.status_code == 302
    drain(policy)
    assert not Notification.objects.exclude(state=DeliveryState.DELIVERED).exists()
    assert (
        "paused until a person" not in client.get(reverse("admin:index")).content.decode().lower()
    )


def test_the_resume_action_re_arms_selected_channels_and_support_cannot(webhook_channel, client):
    Channel.objects.update(paused_at=timezone.now(), needs_person=True, pause_reason="HTTP 410")
    client.force_login(UserFactory(username="agent-oleg", is_staff=True, groups=["Support staff"]))
    changelist = reverse("admin:tracker_channel_changelist")

    client.post(changelist, {"action": "resume", "_selected_action": [webhook_channel.pk]})
    refused = client.post(reverse("admin:tracker_channel_resume", args=[webhook_channel.pk]))
    assert refused.status_code == 403
    assert Channel.objects.get().needs_person

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    client.post(changelist, {"action": "resume", "_selected_action": [webhook_channel.pk]})
    assert Channel.objects.get().paused_at is None


def test_a_switched_off_channel_holds_its_notifications_until_switched_on(
    webhook_channel, webhook_receiver, policy
):
    _, receiver = webhook_receiver
    log_in_thread(ThreadFactory(channel=webhook_channel), title="One")
    call_command("channel_setup", "--slug", "hooks-main", "--kind", "webhook", "--inactive")

    deliver_batch(policy=policy)
    assert Channel.objects.get().needs_person

    call_command("channel_setup", "--slug", "hooks-main", "--kind", "webhook", "--active")
    deliver_batch(policy=policy)
    assert receiver.ids() == list(Notification.objects.values_list("id", flat=True))


# --- rate limits and other interop details ------------------------------------------------


@pytest.fixture
def slack(db, http_api):
    server, api = http_api
    channel = ChannelFactory(
        slug="slack-main",
        kind=ChannelKind.SLACK,
        config={"api_url": server.url + "/api"},
        secrets={"bot_token": "xoxb-test"},
    )
    return channel, api


def test_slacks_rate_limited_error_is_a_rate_limit_like_ratelimited(slack, policy):
    channel, api = slack
    # chat.postMessage's reference: "rate_limited: Application has posted too many
    # messages, read the Rate Limit documentation for more information."
    api.default = Reply(body=b'{"ok": false, "error": "rate_limited"}')
    log_in_thread(ThreadFactory(channel=channel, ref="C1:1.2"), title="One")
    before = timezone.now()

    deliver_batch(policy=policy)

    notification = Notification.objects.get()
    assert notification.attempts == 0
    assert notification.last_error == "Slack: rate_limited."
    assert notification.next_attempt_at >= before + timedelta(seconds=1)


def test_a_retry_after_of_zero_still_waits_a_second(slack, policy):
    channel, api = slack
    # Slack's rate-limit guide: chat.postMessage allows one message per second per channel.
    api.default = Reply(
        status=429, headers={"Retry-After": "0"}, body=b'{"ok": false, "error": "ratelimited"}'
    )
    log_in_thread(ThreadFactory(channel=channel, ref="C1:1.2"), title="One")
    before = timezone.now()

    deliver_batch(policy=policy)

    notification = Notification.objects.get()
    assert notification.attempts == 0
    assert notification.next_attempt_at >= before + timedelta(seconds=1)
    assert deliver_batch(policy=policy).claimed == 0
    assert deliver_batch(policy=policy, now=later(2)).delivered == 0  # still limited


def test_a_bitrix24_result_false_is_a_failure(db, http_api, policy):
    server, api = http_api
    api.default = Reply(body=b'{"result": false}')
    channel = ChannelFactory(
        slug="b24",
        kind=ChannelKind.BITRIX24,
        config={"url": server.url + "/rest/1/"},
        secrets={"webhook_token": "c0de"},
    )
    log_in_thread(ThreadFactory(channel=channel, ref="chat1"), title="One")

    deliver_batch(policy=policy)

    notification = Notification.objects.get()
    assert notification.state == DeliveryState.PENDING
    assert notification.attempts == 1
    assert notification.last_error == "Bitrix24: the message was not sent (result false)."


# --- the schedule -------------------------------------------------------------------------


def test_the_default_schedule_spans_days_as_standard_webhooks_recommends():
    # Standard Webhooks: "retry delivery following a retry schedule spanning multiple
    # days"; its example is ten attempts over 75 h 35 min. The defaults are all of it.
    policy = Policy.from_settings()

    waits = [policy.backoff(attempt) for attempt in range(1, policy.max_attempts)]

    assert policy.schedule == STANDARD_SCHEDULE
    # Standard Webhooks' example: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h.
    for wait, step in zip(waits, STANDARD_SCHEDULE, strict=True):
        assert 0.9 * step <= wait <= 1.1 * step
    assert sum(waits) > 2.5 * 24 * 3600  # 75.6 h, less at most 10 % jitter


@override_settings(TRACKER_NOTIFY_SCHEDULE="1,2,3")
def test_the_schedule_is_a_setting():
    policy = Policy.from_settings()

    assert policy.schedule == (1.0, 2.0, 3.0)
    assert 2.7 <= policy.backoff(9) <= 3.3  # the last step repeats


# --- cancelling ---------------------------------------------------------------------------


def test_a_notification_is_cancelled_from_the_admin_with_a_reason_and_releases_its_thread(
    three_threads, webhook_receiver, policy, client
):
    _, receiver = webhook_receiver
    stuck = Notification.objects.filter(thread=three_threads[0]).order_by("id").first()
    Notification.objects.filter(pk=stuck.pk).update(state=DeliveryState.FAILED, attempts=8)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    changelist = reverse("admin:tracker_notification_changelist")

    asked = client.post(changelist, {"action": "cancel", "_selected_action": [stuck.pk]})
    no_reason = client.post(
        changelist,
        {"action": "cancel", "_selected_action": [stuck.pk], "confirm": "1", "reason": " "},
    )
    done = client.post(
        changelist,
        {
            "action": "cancel",
            "_selected_action": [stuck.pk],
            "confirm": "1",
            "reason": "The customer deleted the chat.",
        },
        follow=True,
    )

    assert "Why can these notifications never be delivered?" in asked.content.decode()
    assert no_reason.status_code == 200 and "This field is required" in no_reason.content.decode()
    assert "1 notification(s) cancelled" in done.content.decode()
    stuck.refresh_from_db()
    assert (stuck.state, stuck.cancel_reason, stuck.cancelled_by) == (
        DeliveryState.CANCELLED,
        "The customer deleted the chat.",
        root,
    )
    drain(policy)
    assert stuck.pk not in receiver.ids()
    assert Notification.objects.filter(state=DeliveryState.DELIVERED).count() == 5


def test_support_staff_cannot_cancel(three_threads, client):
    client.force_login(UserFactory(username="agent", is_staff=True, groups=["Support staff"]))
    ids = list(Notification.objects.values_list("id", flat=True))

    client.post(
        reverse("admin:tracker_notification_changelist"),
        {"action": "cancel", "_selected_action": ids, "confirm": "1", "reason": "no"},
    )

    assert not Notification.objects.filter(state=DeliveryState.CANCELLED).exists()


def test_a_delivered_notification_is_not_cancelled(three_threads):
    delivered = Notification.objects.first()
    Notification.objects.filter(pk=delivered.pk).update(state=DeliveryState.DELIVERED)

    assert services.notification_cancel(ids=[delivered.pk], reason="late") == 0


def test_failed_notifications_are_announced_on_the_admin_index_channels_and_outbox(
    three_threads, webhook_channel, client
):
    stuck = Notification.objects.order_by("id").first()
    Notification.objects.filter(pk=stuck.pk).update(
        state=DeliveryState.FAILED, attempts=10, last_error="Webhook: HTTP 400."
    )
    client.force_login(UserFactory(username="pm", is_staff=True, groups=["Product managers"]))

    for url in (
        reverse("admin:index"),
        reverse("admin:tracker_channel_changelist"),
        reverse("admin:tracker_channel_change", args=[webhook_channel.pk]),
        reverse("admin:tracker_notification_changelist"),
    ):
        html = client.get(url).content.decode()
        assert "1 notification(s) of channel hooks-main failed and hold their threads" in html, url

    services.notification_cancel(ids=[stuck.pk], reason="The chat was deleted.")
    assert "failed and hold" not in client.get(reverse("admin:index")).content.decode()
