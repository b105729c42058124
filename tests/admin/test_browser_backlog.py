"""The backlog on a 1280 px laptop screen: every column in view, each row saying why it
ranks where it does, the open work by default and any set of statuses a click away."""

import pytest
from playwright.sync_api import expect

# The fixture `backlog`: a dozen multilingual requests, some decided, one merged.
from tests.admin.test_browser import PASSWORD
from tests.admin.test_browser import backlog as backlog
from tests.browser import SCREENSHOTS, browser_test

pytestmark = browser_test


def sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/tracker/featurerequest/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#result_list")).to_be_visible()


@pytest.mark.usefixtures("backlog")
@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_the_backlog_fits_a_1280_px_screen_and_says_why_each_row_ranks(
    live_server, browser, language
):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=language)
    page = context.new_page()
    sign_in(page, live_server)

    # Nothing is off to the right: the page does not scroll sideways, the last column shows.
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    last_header = page.locator("#result_list thead th").last.bounding_box()
    assert last_header is not None and last_header["x"] + last_header["width"] <= 1280
    first = page.locator("#result_list tbody tr").first
    expect(first).to_contain_text("Two-factor sign-in")
    expect(first.locator("td.field-why")).to_contain_text("P1")
    # The open work only: neither the declined request nor the merged duplicate.
    table = page.locator("#result_list")
    expect(table).not_to_contain_text("Telegram as an Open Channel")
    expect(table).not_to_contain_text("Export deals to Excel\n")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"admin-backlog-1280-{language}.png"))
    context.close()


@pytest.mark.usefixtures("backlog")
def test_a_product_manager_shows_everything_then_two_statuses(live_server, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    sign_in(page, live_server)
    filters = page.locator("#changelist-filter")

    filters.get_by_role("link", name="Everything").click()
    expect(page.locator("#result_list")).to_contain_text("Telegram as an Open Channel")

    page.goto(f"{live_server.url}/admin/tracker/featurerequest/?status__in=declined")
    filters.get_by_role("link", name="In progress").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("#result_list")).to_contain_text("Telegram as an Open Channel")
    expect(page.locator("#result_list")).to_contain_text("Two-factor sign-in")
