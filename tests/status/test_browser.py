"""The status page in a real browser (Debian's Chromium), in each language, with screenshots
for the README."""

import pytest

from tests.browser import SCREENSHOTS, browser_test
from tests.factories import log_intake
from tracker import services

pytestmark = browser_test


@pytest.fixture
def shown_request(channel, product_manager):
    """A request as customers see it in the screenshots: asked by three, accepted."""
    request = log_intake(title="Export deals to XLSX with custom fields")
    for i, account in enumerate(["globex.example", "initech.example"]):
        log_intake(number=request.number, account=account, ref=f"chat{i}")
    services.request_transition(
        number=request.number,
        status="accepted",
        public_note="We will build this.",
        by=product_manager,
    )
    return request


EXPECTED = {
    "en": ("Request #{n}", "Status: Accepted", "We cannot name a date"),
    "ru": ("Заявка №{n}", "Статус: Принята", "Сроки назвать нельзя"),
    "ja": ("リクエスト #{n}", "ステータス：採用", "期限を指定することはできません"),
}


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_the_page_reads_right_in_each_browser_language(
    browser, live_server, shown_request, language
):
    number = shown_request.number
    context = browser.new_context(
        locale=language, viewport={"width": 1024, "height": 900}, java_script_enabled=False
    )
    tab = context.new_page()

    tab.goto(f"{live_server.url}/status/")
    tab.get_by_label(tab.locator("label[for=number]").inner_text()).fill(f" #{number} ")
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/status/{number}/")

    assert tab.locator("html").get_attribute("lang") == language
    text = tab.locator("main").inner_text()
    for expected in EXPECTED[language]:
        assert expected.format(n=number) in text
    assert "Export deals to XLSX with custom fields" in text
    assert tab.title().startswith(EXPECTED[language][0].format(n=number))
    tab.screenshot(path=SCREENSHOTS / f"status-{language}.png", full_page=True)
    context.close()


def test_japanese_text_is_drawn_with_a_japanese_font(browser, live_server, shown_request):
    context = browser.new_context(locale="ja")
    tab = context.new_page()
    tab.goto(f"{live_server.url}/status/{shown_request.number}/")

    # Without a Japanese font every character is drawn as the same "missing glyph" box,
    # exactly as wide as a run of private-use characters that no font has.
    widths = tab.evaluate(
        """() => [
            '\\u30b9\\u30c6\\u30fc\\u30bf\\u30b9', '\\u4e00\\u5e74\\u65e5\\u6708\\u4e00',
            '\\ue000\\ue001\\ue002\\ue003\\ue004',
        ].map((text) => {
            const span = document.createElement('span');
            span.textContent = text;
            document.body.appendChild(span);
            return span.getBoundingClientRect().width;
        })"""
    )
    context.close()

    katakana, kanji, missing = widths
    assert katakana != missing and kanji != missing, widths


def test_the_language_switch_is_kept_across_pages(browser, live_server, shown_request):
    context = browser.new_context(locale="en-US", java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/status/{shown_request.number}/")

    tab.get_by_role("link", name="Русский").click()
    tab.wait_for_url(f"**/status/{shown_request.number}/")
    assert tab.locator("html").get_attribute("lang") == "ru"
    tab.goto(f"{live_server.url}/status/")

    assert tab.locator("h1").inner_text() == "Узнайте статус вашей заявки"
    cookies = {c["name"]: c["value"] for c in context.cookies()}
    assert cookies["django_language"] == "ru"
    context.close()


def test_the_form_is_usable_with_the_keyboard_alone(browser, live_server, shown_request):
    context = browser.new_context(locale="en", java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{live_server.url}/status/")

    focused = []
    for _ in range(6):
        tab.keyboard.press("Tab")
        focused.append(
            tab.evaluate("document.activeElement.id || document.activeElement.textContent")
        )
        if focused[-1] == "number":
            break
    tab.keyboard.type(str(shown_request.number))
    tab.keyboard.press("Enter")
    tab.wait_for_url(f"**/status/{shown_request.number}/")

    assert focused[0] == "Skip to the content"
    assert "number" in focused
    outline = tab.evaluate(
        "() => { const a = document.querySelector('.site-name'); a.focus(); "
        "return getComputedStyle(a).outlineStyle; }"
    )
    assert outline == "solid"
    context.close()


def test_on_a_phone_the_page_fits_the_screen(browser, live_server, shown_request):
    context = browser.new_context(
        locale="ja",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        java_script_enabled=False,
    )
    tab = context.new_page()
    tab.goto(f"{live_server.url}/status/{shown_request.number}/")

    scroll_width = tab.evaluate("document.documentElement.scrollWidth")
    tab.screenshot(path=SCREENSHOTS / "status-phone.png", full_page=True)
    context.close()

    assert scroll_width <= 390
