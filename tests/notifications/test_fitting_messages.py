"""Messages that fit the situation (issue 14, point 6): a defect hears that its error report
was registered; a thread attached to a request that is done, declined or in progress hears
that status's message, not that "the more customers ask, the higher it stands"; a declined
request's status page always says where to turn."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ThreadFactory, log_in_thread
from tracker import services
from tracker.choices import Event, Kind, Status
from tracker.models import Notification
from tracker.notifications.messages import render
from tracker.services import DefectReport
from tracker.status.store import cache

QUEUE = "higher it stands"
REPORT = DefectReport(
    steps="Open a deal card",
    started_how="From the deal list",
    expected="The card opens",
    actual="The page freezes",
    attachments=["https://files.example.com/freeze.png"],
)


def told(thread, event):
    notification = Notification.objects.select_related("thread", "request").get(
        thread=thread, event=event
    )
    return render(notification)


@pytest.fixture
def request_in(channel):
    def make(*path):
        number = log_in_thread(ThreadFactory(channel=channel), title="Dark mode").request.number
        for status, reason in path:
            services.request_transition(number=number, status=status, reason=reason)
        late = ThreadFactory(channel=channel, language="ru")
        log_in_thread(late, number=number)
        return late

    return make


def test_a_defect_hears_that_its_error_report_was_registered(channel):
    thread = ThreadFactory(channel=channel)
    log_in_thread(thread, title="Deal card freezes", kind=Kind.DEFECT, report=REPORT)

    assert told(thread, Event.REGISTERED).startswith("Thank you for the report.")


def test_a_thread_attached_to_a_done_request_hears_it_is_already_available(request_in):
    late = request_in((Status.ACCEPTED, ""), (Status.IN_PROGRESS, ""), (Status.DONE, ""))

    text = told(late, Event.ATTACHED)

    assert "уже доступно" in text and "обновление устанавливается само" in text
    assert "выше она в очереди" not in text


def test_a_thread_attached_to_a_request_in_progress_hears_work_has_started(request_in):
    late = request_in((Status.ACCEPTED, ""), (Status.IN_PROGRESS, ""))

    assert "уже началась" in told(late, Event.ATTACHED)


@pytest.mark.parametrize(
    ("reason", "route"),
    [
        ("partner_work", "https://www.bitrix24.com/partners/"),
        ("marketplace_app", "https://www.bitrix24.com/apps/"),
    ],
)
def test_a_thread_attached_to_a_declined_request_hears_the_reasons_route(request_in, reason, route):
    late = request_in((Status.DECLINED, reason))

    text = told(late, Event.ATTACHED)

    assert route in text
    assert "выше она в очереди" not in text


@pytest.mark.parametrize(
    ("reason", "route"),
    [
        ("partner_work", "https://www.bitrix24.com/partners/"),
        ("marketplace_app", "https://www.bitrix24.com/apps/"),
        ("not_planned", "https://www.bitrix24.com/partners/"),
    ],
)
def test_a_declined_requests_status_page_says_where_to_turn_without_a_note(channel, reason, route):
    cache.clear()
    number = log_in_thread(ThreadFactory(channel=channel), title="Dark mode").request.number
    services.request_transition(number=number, status=Status.DECLINED, reason=reason)

    html = Client(HTTP_ACCEPT_LANGUAGE="ja").get(reverse("status_page:request", args=[number]))

    page = html.content.decode()
    assert 'class="where-to-turn"' in page
    assert f'href="{route}"' in page
    cache.clear()
