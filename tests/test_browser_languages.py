"""Public texts per language in a real browser (Debian's Chromium): a product manager writes
a note in two languages on the status decision page, reads the "who reads what" preview,
confirms; the status page then reads right in English, Russian and Japanese, each with its own
title and note or a marked fallback. Screenshots go to docs/screenshots when SCREENSHOTS is set."""

import pytest
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, browser_test
from tests.factories import ChannelFactory, ThreadFactory, UserFactory, log_in_thread
from tracker.models import PublicText
from tracker.services.public_text import request_set_public_title
from tracker.status.store import cache

PASSWORD = "correct horse battery staple"
pytestmark = browser_test

NOTE_EN = "Many customers asked for this, so it is accepted for development."
NOTE_JA = "多くのお客様からご要望をいただき、開発が決定しました。"


@pytest.fixture
def raised():
    """A request raised in an English, a Russian and a Japanese thread (two Japanese)."""
    cache.clear()
    channel = ChannelFactory(slug="hooks-main")
    UserFactory(username="anna", password=PASSWORD, is_staff=True, groups=["Product managers"])
    first = ThreadFactory(channel=channel, language="en")
    number = log_in_thread(first, title="Export deals to XLSX").request.number
    for language in ("ru", "ja", "ja"):
        log_in_thread(ThreadFactory(channel=channel, language=language), number=number)
    request_set_public_title(
        number=number, titles={"ru": "Выгрузка сделок в XLSX", "ja": "取引をXLSXにエクスポート"}
    )
    yield number
    cache.clear()


def test_a_note_in_two_languages_then_the_status_page_in_three(live_server, browser, raised):
    number = raised
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(f"{live_server.url}/admin/login/?next=/admin/tracker/featurerequest/{number}/change/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.locator("a.decide-status").click()
    page.select_option("#id_status", "accepted")
    page.fill("#id_public_note", NOTE_EN)
    page.fill("#id_public_note_ja", NOTE_JA)
    page.screenshot(path=str(SCREENSHOTS / "admin-note-two-languages.png"), full_page=True)
    page.get_by_role("button", name="Continue").click()

    audience = page.locator("ul.note-audience")
    expect(audience).to_contain_text("1 English thread will read the English note.")
    expect(audience).to_contain_text("1 Russian thread will read the English note.")
    expect(audience).to_contain_text("2 Japanese threads will read the Japanese note.")
    page.screenshot(path=str(SCREENSHOTS / "admin-who-reads-what.png"), full_page=True)
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text(f"#{number} is now Accepted.")
    assert dict(PublicText.objects.filter(kind="note").values_list("language", "text")) == {
        "en": NOTE_EN,
        "ja": NOTE_JA,
    }
    page.close()

    expected = {
        "en": ("Export deals to XLSX", NOTE_EN, None),
        "ru": ("Выгрузка сделок в XLSX", NOTE_EN, "Этот комментарий на английском языке."),
        "ja": ("取引をXLSXにエクスポート", NOTE_JA, None),
    }
    for language, (title, note, fallback) in expected.items():
        context = browser.new_context(
            locale=language, viewport={"width": 1024, "height": 900}, java_script_enabled=False
        )
        tab = context.new_page()
        tab.goto(f"{live_server.url}/status/{number}/")
        expect(tab.locator("h1")).to_have_text(title)
        expect(tab.locator("p.note").first).to_have_text(note)
        if fallback:
            expect(tab.locator("p.note-fallback").first).to_have_text(fallback)
            assert tab.locator("p.note").first.get_attribute("lang") == "en"
        else:
            expect(tab.locator("p.note-fallback")).to_have_count(0)
        tab.screenshot(path=str(SCREENSHOTS / f"status-languages-{language}.png"), full_page=True)
        context.close()
