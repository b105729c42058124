import pytest
from django.urls import reverse

from tests.factories import ChannelFactory, ThreadFactory, UserFactory, log_in_thread
from tracker import services
from tracker.choices import ChannelKind, DeliveryState, Status
from tracker.models import Notification

CHANGELIST = "admin:tracker_notification_changelist"


@pytest.fixture
def admin_client(client, db):
    user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def two_requests(db):
    channel = ChannelFactory(
        slug="bitrix24-main",
        kind=ChannelKind.BITRIX24,
        config={"url": "http://127.0.0.1:9/rest/1/"},
        secrets={"webhook_token": "t0k3nS3cr3t"},
    )
    first = log_in_thread(ThreadFactory(channel=channel, ref="chat1"), title="A")
    second = log_in_thread(ThreadFactory(channel=channel, ref="chat2"), title="B")
    services.request_transition(number=first.request.number, status=Status.ACCEPTED)
    return first.request, second.request


def test_the_request_page_link_lists_only_that_requests_notifications(admin_client, two_requests):
    first, _ = two_requests

    response = admin_client.get(reverse(CHANGELIST), {"request__number__exact": first.number})

    assert response.status_code == 200
    shown = {n.pk for n in response.context["cl"].result_list}
    assert shown == set(Notification.objects.filter(request=first).values_list("id", flat=True))
    assert len(shown) == 2


def test_the_list_searches_by_request_number(admin_client, two_requests):
    _, second = two_requests

    response = admin_client.get(reverse(CHANGELIST), {"q": str(second.number)})

    assert [n.request_id for n in response.context["cl"].result_list] == [second.number]


def test_the_failed_list_shows_state_attempts_and_last_error_but_never_the_secret(
    admin_client, two_requests
):
    first, _ = two_requests
    Notification.objects.filter(request=first).update(
        state=DeliveryState.FAILED, attempts=8, last_error="Bitrix24: ACCESS_DENIED"
    )

    response = admin_client.get(reverse(CHANGELIST), {"state__exact": "failed"})

    assert response.status_code == 200
    assert {n.request_id for n in response.context["cl"].result_list} == {first.number}
    page = response.content.decode()
    assert "Bitrix24: ACCESS_DENIED" in page
    assert "bitrix24-main:chat1" in page
    assert "t0k3nS3cr3t" not in page


def test_the_retry_action_gives_failed_notifications_new_attempts(admin_client, two_requests):
    first, _ = two_requests
    Notification.objects.filter(request=first).update(
        state=DeliveryState.FAILED, attempts=8, last_error="Bitrix24: ACCESS_DENIED"
    )
    selected = list(Notification.objects.values_list("id", flat=True))

    response = admin_client.post(
        reverse(CHANGELIST), {"action": "retry", "_selected_action": selected}, follow=True
    )

    assert response.status_code == 200
    assert not Notification.objects.filter(state=DeliveryState.FAILED).exists()
    retried = Notification.objects.filter(request=first)
    assert {(n.state, n.attempts, n.last_error) for n in retried} == {("pending", 0, "")}
    assert "2 notification(s) will be delivered again." in response.content.decode()


def test_a_notification_cannot_be_added_or_edited_by_hand(admin_client, two_requests):
    notification = Notification.objects.first()

    add = admin_client.get(reverse("admin:tracker_notification_add"))
    change = admin_client.post(
        reverse("admin:tracker_notification_change", args=[notification.pk]),
        {"state": "delivered"},
    )
    view = admin_client.get(reverse("admin:tracker_notification_change", args=[notification.pk]))

    assert add.status_code == 403
    assert change.status_code == 403
    notification.refresh_from_db()
    assert notification.state == DeliveryState.PENDING
    assert view.status_code == 200
    assert "Thank you for your suggestion" in view.content.decode()
    assert "t0k3nS3cr3t" not in view.content.decode()


def test_support_staff_see_the_outbox_but_cannot_retry(client, two_requests):
    Notification.objects.update(state=DeliveryState.FAILED, attempts=8)
    client.force_login(UserFactory(username="agent", is_staff=True, groups=["Support staff"]))

    listed = client.get(reverse(CHANGELIST))
    posted = client.post(
        reverse(CHANGELIST),
        {
            "action": "retry",
            "_selected_action": list(Notification.objects.values_list("id", flat=True)),
        },
    )

    assert listed.status_code == 200
    assert listed.context["action_form"] is None  # no action offered
    assert posted.status_code in (200, 302)
    assert not Notification.objects.exclude(state=DeliveryState.FAILED).exists()


def test_product_managers_can_retry(client, two_requests):
    Notification.objects.update(state=DeliveryState.FAILED, attempts=8)
    client.force_login(UserFactory(username="pm", is_staff=True, groups=["Product managers"]))

    client.post(
        reverse(CHANGELIST),
        {
            "action": "retry",
            "_selected_action": list(Notification.objects.values_list("id", flat=True)),
        },
    )

    assert not Notification.objects.filter(state=DeliveryState.FAILED).exists()
