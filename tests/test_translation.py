"""LibreTranslate drafts against a local server that answers as LibreTranslate's own API
describes `POST /translate` (LibreTranslate/LibreTranslate, libretranslate/app.py, the
`/translate` docstring): the JSON body carries `q`, `source`, `target`, `format` ("text" or
"html") and, optionally, `api_key`; the answer is

    200: {"translatedText": "¡Hola!"}
    400: {"error": "..."}   "Invalid request"
    403: {"error": "..."}   "Banned"
    429: {"error": "..."}   "Slow down"
    500: {"error": "..."}   "Translation error"
"""

from __future__ import annotations

import json
import socket

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ThreadFactory, UserFactory, log_in_thread
from tests.notifications.conftest import Recorded, Reply, serve
from tracker.models import PublicText
from tracker.selectors import public_request
from tracker.services import request_transition
from tracker.services.public_text import public_text_publish
from tracker.translation import LibreTranslate, TranslationFailed
from tracker.translation.drafts import draft_missing

TRANSLATIONS = {"ru": "Экспорт сделок в XLSX", "ja": "取引をXLSXにエクスポート"}


class FakeLibreTranslate:
    def __init__(self) -> None:
        self.reply: Reply | None = None
        self.requests: list[Recorded] = []

    def __call__(self, recorded: Recorded) -> Reply:
        self.requests.append(recorded)
        if self.reply is not None:
            return self.reply
        body = recorded.json()
        if recorded.path != "/translate" or not body.get("q"):
            return Reply(
                400, json.dumps({"error": "Invalid request: missing q parameter"}).encode()
            )
        return Reply(200, json.dumps({"translatedText": TRANSLATIONS[body["target"]]}).encode())


@pytest.fixture
def libretranslate():
    fake = FakeLibreTranslate()
    for server in serve(fake):
        yield server, fake


@pytest.fixture
def wish(channel):
    thread = ThreadFactory(channel=channel, language="ja")
    return log_in_thread(thread, title="Export deals to XLSX").request


def test_it_sends_exactly_what_libretranslate_documents(libretranslate):
    server, fake = libretranslate
    client = LibreTranslate(url=server.url, api_key="secret-key", timeout=2)

    assert client.translate("Export deals to XLSX", source="en", target="ja") == TRANSLATIONS["ja"]
    sent = fake.requests[0]
    assert (sent.method, sent.path) == ("POST", "/translate")
    assert sent.headers["content-type"] == "application/json"
    assert sent.json() == {
        "q": "Export deals to XLSX",
        "source": "en",
        "target": "ja",
        "format": "text",
        "api_key": "secret-key",
    }


def test_without_a_key_none_is_sent(libretranslate):
    server, fake = libretranslate

    LibreTranslate(url=server.url + "/", timeout=2).translate("Hi", source="en", target="ru")

    assert "api_key" not in fake.requests[0].json()


def test_a_4xx_with_an_error_body_is_said_clearly(libretranslate):
    server, fake = libretranslate
    fake.reply = Reply(403, json.dumps({"error": "Visit the portal to get an API key"}).encode())

    with pytest.raises(TranslationFailed) as failed:
        LibreTranslate(url=server.url, timeout=2).translate("Hi", source="en", target="ru")

    assert "refused (403): Visit the portal to get an API key" in str(failed.value)


def test_an_unreachable_server_is_said_clearly():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there

    with pytest.raises(TranslationFailed) as failed:
        LibreTranslate(url=f"http://127.0.0.1:{port}", timeout=2).translate(
            "Hi", source="en", target="ru"
        )

    assert "could not be reached" in str(failed.value)


def test_a_slow_answer_is_given_up_on_at_the_timeout(libretranslate):
    server, fake = libretranslate
    fake.reply = Reply(200, b'{"translatedText": "late"}', delay=1.5)

    with pytest.raises(TranslationFailed) as failed:
        LibreTranslate(url=server.url, timeout=0.3).translate("Hi", source="en", target="ru")

    assert "did not answer within 0.3 seconds" in str(failed.value)


def test_drafts_fill_the_missing_languages_and_stay_private_until_reviewed(
    libretranslate, wish, product_manager
):
    server, _ = libretranslate

    outcome = draft_missing(request=wish, change=None, server=LibreTranslate(url=server.url))

    assert sorted(outcome.drafted) == ["ja", "ru"]
    assert set(PublicText.objects.values_list("is_draft", flat=True)) == {True}
    assert public_request(number=wish.number, language="ja").title == "Export deals to XLSX"
    public_text_publish(ids=PublicText.objects.values_list("id", flat=True), by=product_manager)
    assert public_request(number=wish.number, language="ja").title == TRANSLATIONS["ja"]


def test_an_operator_may_publish_drafts_at_once(libretranslate, wish, settings):
    server, _ = libretranslate
    settings.TRACKER_TRANSLATION_AUTO_PUBLISH = True

    draft_missing(request=wish, change=None, server=LibreTranslate(url=server.url))

    assert public_request(number=wish.number, language="ru").title == TRANSLATIONS["ru"]


def test_a_note_gets_drafts_too(libretranslate, wish):
    server, fake = libretranslate
    request_transition(number=wish.number, status="accepted", public_note="Accepted.")
    change = wish.history.get(to_status="accepted")

    draft_missing(request=wish, change=change, server=LibreTranslate(url=server.url))

    assert fake.requests[0].json()["q"] == "Accepted."
    assert set(
        PublicText.objects.filter(change=change, is_draft=True).values_list("language", flat=True)
    ) == {"ru", "ja"}


@pytest.fixture
def pm_client(db):
    client = Client()
    client.force_login(UserFactory(username="pm-ken", is_staff=True, groups=["Product managers"]))
    return client


def test_the_missing_list_orders_by_waiting_threads_and_a_failure_leaves_the_manual_path(
    libretranslate, channel, pm_client, settings
):
    server, fake = libretranslate
    settings.TRACKER_TRANSLATION_URL = server.url
    few = log_in_thread(ThreadFactory(channel=channel, language="ru"), title="Dark mode").request
    many = log_in_thread(ThreadFactory(channel=channel, language="ja"), title="Export").request
    log_in_thread(ThreadFactory(channel=channel, language="ja"), number=many.number)
    fake.reply = Reply(500, json.dumps({"error": "Cannot translate text: boom"}).encode())
    url = reverse("admin:tracker_publictext_missing")

    page = pm_client.get(url).content.decode()
    answer = pm_client.post(url, {"number": many.number, "change": ""}, follow=True)

    assert page.index(f">{many.number}</a>") < page.index(f">{few.number}</a>")
    text = answer.content.decode()
    assert "refused (500): Cannot translate text: boom" in text
    assert "You can still write the versions by hand." in text
    assert not PublicText.objects.exists()


def test_support_staff_do_not_see_the_missing_list(client, support_agent):
    support_agent.is_staff = True
    support_agent.save()
    client.force_login(support_agent)

    assert client.get(reverse("admin:tracker_publictext_missing")).status_code == 403
