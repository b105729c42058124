"""Every customer reads their request in their own language (issue 14's "done when"): a request
raised in an English, a Russian and a Japanese thread, given its title and note in all three,
delivers each thread its own language's note through a real webhook receiver, and the status
page shows each language's title; given one language only, each thread gets the fallback, and
the confirmation page said so before anything was sent."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.api.conftest import client_for
from tests.factories import ThreadFactory, UserFactory, log_in_thread
from tracker.choices import Event
from tracker.status.store import cache

from .test_delivery import drain

TITLES = {
    "en": "Export deals to XLSX",
    "ru": "Выгрузка сделок в XLSX",
    "ja": "取引をXLSXにエクスポート",
}
NOTES = {
    "en": "Many customers asked for this; it is accepted for development.",
    "ru": "Об этом просили многие клиенты; запрос принят в разработку.",
    "ja": "多くのお客様からご要望をいただき、開発が決定しました。",
}


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def raised(webhook_channel):
    """Request raised in an English, a Russian and a Japanese thread."""
    threads = {
        language: ThreadFactory(channel=webhook_channel, language=language)
        for language in ("en", "ru", "ja")
    }
    number = log_in_thread(threads["en"], title=TITLES["en"]).request.number
    for language in ("ru", "ja"):
        log_in_thread(threads[language], number=number)
    return number, threads


@pytest.fixture
def pm_user(db):
    return UserFactory(username="pm-yuki", is_staff=True, groups=["Product managers"])


def status_messages(receiver):
    """What each thread was told of the status change, by the thread's language."""
    return {
        payload["language"]: payload["message"]
        for _, payload in receiver.received
        if payload["type"] == Event.STATUS_CHANGED
    }


def status_page_title(number, language):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    html = client.get(reverse("status_page:request", args=[number])).content.decode()
    return html


def test_each_thread_reads_the_note_in_its_own_language(raised, pm_user, webhook_receiver, policy):
    number, _ = raised
    _, receiver = webhook_receiver
    api = client_for(pm_user)

    titled = api.patch(f"/api/requests/{number}/", {"public_title": TITLES}, format="json")
    decided = api.post(
        f"/api/requests/{number}/transition/",
        {"status": "accepted", "public_note": NOTES},
        format="json",
    )
    drain(policy)

    assert titled.status_code == 200, titled.content
    assert decided.status_code == 200, decided.content
    told = status_messages(receiver)
    assert set(told) == {"en", "ru", "ja"}
    for language, message in told.items():
        assert NOTES[language] in message
        others = [NOTES[other] for other in NOTES if other != language]
        assert not any(note in message for note in others), message
    assert "A note from the product team: " + NOTES["en"] in told["en"]
    for language, title in TITLES.items():
        html = status_page_title(number, language)
        assert f"<h1>{title}</h1>" in html
        assert NOTES[language] in html
        assert 'class="fallback' not in html


def test_with_one_language_each_thread_gets_the_fallback_and_was_told_so_beforehand(
    raised, pm_user, webhook_receiver, policy
):
    number, _ = raised
    _, receiver = webhook_receiver
    admin = Client()
    admin.force_login(pm_user)
    url = reverse("admin:tracker_featurerequest_decide", kwargs={"slug": "status"})
    form = {"ids": str(number), "status": "accepted", "reason": "", "public_note": NOTES["en"]}

    preview = admin.post(url, form)
    confirmed = admin.post(url, {**form, "confirm": "yes"})
    drain(policy)

    page = preview.content.decode()
    assert "1 English thread will read the English note." in page
    assert "1 Russian thread will read the English note." in page
    assert "1 Japanese thread will read the English note." in page
    assert confirmed.status_code == 302
    told = status_messages(receiver)
    assert "A note from the product team: " + NOTES["en"] in told["en"]
    # The Russian and Japanese threads read the English note on its own line, under a
    # sentence in their language saying it is in English: no sentence mixes languages.
    assert "Комментарий команды продукта на английском языке:\n" + NOTES["en"] in told["ru"]
    assert "製品チームからのコメント（英語）：\n" + NOTES["en"] in told["ja"]
    html = status_page_title(number, "ja")
    assert "このコメントは英語で書かれています。" in html
    assert f'lang="en">{NOTES["en"]}' in html


def test_a_setting_can_put_another_language_first(raised, pm_user, settings, policy):
    number, _ = raised
    settings.TRACKER_PUBLIC_TEXT_FALLBACK = ["ru", "source"]
    api = client_for(pm_user)
    api.post(
        f"/api/requests/{number}/transition/",
        {"status": "accepted", "public_note": {"en": NOTES["en"], "ru": NOTES["ru"]}},
        format="json",
    )

    body = client_for(None).get(f"/api/public/requests/{number}/?language=ja").json()

    accepted = body["history"][-1]
    assert (accepted["public_note"], accepted["public_note_language"]) == (NOTES["ru"], "ru")
    assert accepted["public_note_is_fallback"] is True
    assert (body["title"], body["title_language"], body["title_is_fallback"]) == (
        TITLES["en"],
        "en",
        True,
    )
