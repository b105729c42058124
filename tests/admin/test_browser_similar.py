"""The same wish in any language, in a real browser (Debian's Chromium): support staff see
the Japanese request while logging a Russian customer's wish and log the thread on it with
one click; a product manager works through the duplicates queue. It saves the screenshots
in docs/similar.md."""

from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from tests.browser import SCREENSHOTS, browser_test
from tests.factories import ChannelFactory, UserFactory
from tracker.models import FeatureRequest, LikelyDuplicate, Mention
from tracker.services import AccountData, ThreadData, intake_log

PASSWORD = "correct horse battery staple"

pytestmark = browser_test

# (title, language, customers): wishes raised twice in different languages, and their
# neighbours.
WISHES = [
    ("着信を複数の担当者に順番に振り分ける", "ja", 4),
    ("通話の録音を自動で文字起こしする", "ja", 2),
    ("Transcribe call recordings into text automatically", "en", 3),
    ("Click-to-call from a phone number in the contact card", "en", 2),
    ("Filter the task list by tags", "en", 5),
    ("Фильтр по тегам в списке задач", "ru", 2),
    ("ユーザーごとのログイン履歴を見たい", "ja", 1),
    ("История входов каждого пользователя", "ru", 2),
    ("Сортировка задач по приоритету", "ru", 3),
    ("タスクを優先度順に並べ替えたい", "ja", 1),
    ("Шаблоны документов с печатью и подписью", "ru", 2),
    ("Электронная подпись документов", "ru", 4),
    ("Dark theme for the web interface", "en", 6),
    ("Two-way sync with the Outlook calendar", "en", 2),
]
DOMAINS = {"en": "com", "ru": "ru", "ja": "jp"}


@pytest.fixture
def backlog():
    ChannelFactory(slug="b24-main", name="Bitrix24 portal")
    UserFactory(username="anna", is_staff=True, groups=["Product managers"])
    UserFactory(username="oleg", is_staff=True, groups=["Support staff"])
    numbers, ref = {}, 0
    for title, language, customers in WISHES:
        number = None
        for i in range(customers):
            ref += 1
            result = intake_log(
                account=AccountData(f"c{ref}.bitrix24.{DOMAINS[language]}", plan="standard"),
                thread=ThreadData(channel="b24-main", ref=f"chat{ref}", language=language),
                request_number=number,
                title="" if number else title,
                quote=title if i == 0 else "",
            )
            number = result.request.number
        numbers[title] = number
    call_command("embed_requests", "--no-progress", stdout=StringIO())
    return numbers


def sign_in(page: Page, base: str, username: str, then: str) -> None:
    page.goto(f"{base}/admin/login/?next={then}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def fill_thread(page: Page, ref: str, quote: str) -> None:
    page.fill("#id_account_external_id", "romashka.bitrix24.ru")
    page.fill("#id_account_name", "Ромашка")
    page.select_option("#id_channel", "b24-main")
    page.fill("#id_thread_ref", ref)
    page.select_option("#id_language", "ru")
    page.fill("#id_quote", quote)


def test_support_find_the_japanese_request_for_a_russian_wish_and_log_it_in_one_click(
    live_server, browser, backlog
):
    wish = backlog["着信を複数の担当者に順番に振り分ける"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, live_server.url, "oleg", "/admin/tracker/featurerequest/add/")
    page.click("#toggle-nav-sidebar")

    page.fill("#id_title", "Распределение входящих звонков между менеджерами по очереди")
    fill_thread(page, "chat-ru-1", "Звонки должны приходить менеджерам по очереди")
    page.get_by_role("button", name="Find similar requests").click()

    similar = page.locator("#similar")
    expect(similar.locator("tr.similar").first).to_contain_text(
        "着信を複数の担当者に順番に振り分ける"
    )
    expect(similar.locator("tr.similar").first).to_contain_text("日本語")
    expect(similar).to_contain_text("None of these is the same wish")
    # What the agent typed is still there.
    expect(page.locator("#id_thread_ref")).to_have_value("chat-ru-1")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#similar").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "admin-log-similar.png"), full_page=True)

    page.get_by_role("button", name=f"Log the thread on #{wish}").click()

    expect(page.locator(".messagelist")).to_contain_text(f"Logged the thread on #{wish}")
    assert Mention.objects.get(thread__ref="chat-ru-1").request_id == wish
    assert not FeatureRequest.objects.filter(title__startswith="Распределение").exists()


def test_the_log_page_finds_similar_requests_and_logs_on_one_without_javascript(
    live_server, browser, backlog
):
    """The similar requests are a step of the form, not a script: with JavaScript off the
    agent still sees them, closed ones marked, and logs the thread on one with one click."""
    transcribe = backlog["Transcribe call recordings into text automatically"]
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1400, "height": 1000}
    )
    page = context.new_page()
    sign_in(page, live_server.url, "oleg", "/admin/tracker/featurerequest/add/")

    page.fill("#id_title", "Автоматическая расшифровка записей звонков в текст")
    fill_thread(page, "chat-ru-nojs", "Хотим текст разговоров, а не только запись")
    page.get_by_role("button", name="Find similar requests").click()

    rows = page.locator("#similar tr.similar")
    expect(rows.first).to_be_visible()
    first_two = " ".join(rows.all_inner_texts()[:2])
    assert "通話の録音を自動で文字起こしする" in first_two
    assert "Transcribe call recordings" in first_two
    expect(page.locator("#id_thread_ref")).to_have_value("chat-ru-nojs")
    page.screenshot(path=str(SCREENSHOTS / "admin-log-similar-no-javascript.png"), full_page=True)

    page.get_by_role("button", name=f"Log the thread on #{transcribe}").click()

    expect(page.locator(".messagelist")).to_contain_text(f"Logged the thread on #{transcribe}")
    assert Mention.objects.get(thread__ref="chat-ru-nojs").request_id == transcribe
    assert not FeatureRequest.objects.filter(title__startswith="Автоматическая").exists()
    context.close()


def test_support_log_a_new_request_beside_a_similar_one_only_deliberately(
    live_server, browser, backlog
):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, live_server.url, "oleg", "/admin/tracker/featurerequest/add/")
    title = "Фильтр задач по нескольким тегам сразу"
    page.fill("#id_title", title)
    fill_thread(page, "chat-ru-2", "Нужно выбирать сразу несколько тегов")

    page.get_by_role("button", name="Log it").click()

    expect(page.locator("#similar .errorlist")).to_contain_text("look like the same wish")
    assert not FeatureRequest.objects.filter(title=title).exists()
    page.check("#id_none_alike")
    page.get_by_role("button", name="Log a new request").click()
    expect(page.locator(".messagelist")).to_contain_text("Logged request #")
    assert FeatureRequest.objects.filter(title=title).exists()


def test_support_see_requests_like_the_customers_words_on_the_thread_page(
    live_server, browser, backlog
):
    dark = backlog["Dark theme for the web interface"]
    transcribe = backlog["Transcribe call recordings into text automatically"]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sign_in(page, live_server.url, "oleg", f"/admin/tracker/featurerequest/{dark}/change/")
    page.click("#toggle-nav-sidebar")
    page.locator("a.log-mention").click()

    fill_thread(page, "chat-ru-3", "Хотим, чтобы записи звонков сами превращались в текст")
    page.get_by_role("button", name="Find similar requests").click()

    # The same wish, raised in English and in Japanese, leads.
    expect(page.locator("#similar tr.similar").first).to_be_visible()
    first_two = " ".join(page.locator("#similar tr.similar").all_inner_texts()[:2])
    assert "文字起こし" in first_two
    assert "Transcribe call recordings" in first_two
    page.screenshot(path=str(SCREENSHOTS / "admin-log-thread-similar.png"), full_page=True)
    page.get_by_role("button", name=f"Log the thread on #{transcribe}").click()

    expect(page.locator(".messagelist")).to_contain_text(f"Logged the thread on #{transcribe}")
    assert Mention.objects.get(thread__ref="chat-ru-3").request_id == transcribe


def test_a_product_manager_merges_one_pair_and_dismisses_another(live_server, browser, backlog):
    tags_en = backlog["Filter the task list by tags"]
    tags_ru = backlog["Фильтр по тегам в списке задач"]
    stamp = backlog["Шаблоны документов с печатью и подписью"]
    sign = backlog["Электронная подпись документов"]
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    sign_in(page, live_server.url, "anna", "/admin/tracker/featurerequest/")
    page.locator("a.duplicates-link").click()

    pairs = page.locator("tr.duplicate-pair")
    expect(pairs.first).to_be_visible()
    tags = page.locator(f'tr[data-pair="{min(tags_en, tags_ru)},{max(tags_en, tags_ru)}"]')
    expect(tags).to_contain_text("Filter the task list by tags")
    expect(tags).to_contain_text("Фильтр по тегам в списке задач")
    expect(tags).to_contain_text("Русский")
    expect(tags).to_contain_text("5 customers")
    page.screenshot(path=str(SCREENSHOTS / "admin-duplicates.png"), full_page=True)

    documents = page.locator(f'tr[data-pair="{min(stamp, sign)},{max(stamp, sign)}"]')
    documents.get_by_role("button", name="Not the same").click()
    expect(page.locator(".messagelist")).to_contain_text("are not the same wish")
    expect(documents).to_have_count(0)

    tags.get_by_role("link", name="Compare and merge").click()
    page.fill("#id_into", str(tags_en))
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".merge-preview .after-customers")).to_have_text("7")
    page.get_by_role("button", name="Yes, I’m sure").click()
    expect(page.locator(".messagelist")).to_contain_text("Merged 1 request into")

    page.goto(f"{live_server.url}/admin/tracker/featurerequest/duplicates/")
    expect(
        page.locator(f'tr[data-pair="{min(tags_en, tags_ru)},{max(tags_en, tags_ru)}"]')
    ).to_have_count(0)
    assert FeatureRequest.objects.get(number=tags_ru).duplicate_of_id == tags_en
    assert LikelyDuplicate.objects.get(first_id=min(stamp, sign)).dismissed_at is not None
