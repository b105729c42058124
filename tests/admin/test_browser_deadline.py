"""In a real browser: a note that promises a date is refused on the first submit, with the
phrase highlighted on the note's field, and never reaches the confirmation page; reworded
without a date, it does."""

from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, browser_test
from tests.factories import ChannelFactory, UserFactory
from tracker.models import FeatureRequest, StatusChange
from tracker.services import AccountData, ThreadData, intake_log

PASSWORD = "correct horse battery staple"

pytestmark = browser_test


def test_a_note_promising_a_date_is_refused_on_the_first_submit(live_server, browser):
    ChannelFactory(slug="b24-main", name="Bitrix24 portal")
    UserFactory(username="anna", is_staff=True, groups=["Product managers"])
    wish = intake_log(
        account=AccountData(external_id="romashka.bitrix24.ru", name="Romashka", plan="standard"),
        thread=ThreadData(channel="b24-main", ref="chat4711", language="ru"),
        title="Export deals to XLSX with custom fields",
        quote="Нужна выгрузка сделок в Excel.",
    ).request
    page = browser.new_page(viewport={"width": 1400, "height": 900})

    page.goto(f"{live_server.url}/admin/login/?next=/admin/tracker/featurerequest/{wish.number}/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.locator("a.decide-status").click()
    page.select_option("#id_status", "accepted")
    page.fill("#id_public_note", "Заявка принята. Выпустим до Нового года.")
    page.get_by_role("button", name="Continue").click()

    error = page.locator(".field-public_note .errorlist")
    expect(error).to_contain_text("must not state or imply a date")
    expect(error.locator("mark")).to_have_text("до Нового года")
    expect(page.get_by_role("button", name="Yes, I’m sure")).to_have_count(0)
    expect(page.get_by_text("Please confirm")).to_have_count(0)
    expect(page.locator("#id_public_note")).to_have_value(
        "Заявка принята. Выпустим до Нового года."
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-deadline-refused.png"), full_page=True)
    assert FeatureRequest.objects.get(number=wish.number).status == "under_review"
    assert not StatusChange.objects.filter(request=wish, to_status="accepted").exists()

    page.fill(
        "#id_public_note",
        "Заявка принята в разработку. Назвать срок мы не можем: он зависит от сложности "
        "работ и очереди разработки.",
    )
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Yes, I’m sure").click()

    expect(page.locator(".messagelist")).to_contain_text(f"#{wish.number} is now Accepted.")
    assert FeatureRequest.objects.get(number=wish.number).status == "accepted"
