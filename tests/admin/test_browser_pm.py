"""The product managers' pages in a real browser, in English, Russian and Japanese (the
language the browser asks for): the default view, several statuses at once, the score's
parts, areas and owners, the rising page and each decision form; and axe-core over every
page we added, which must find no serious or critical violation."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.admin.test_browser import backlog as backlog
from tests.axe import needs_axe, serious_violations
from tests.browser import SCREENSHOTS, browser_test
from tests.factories import log_intake
from tracker.models import FeatureRequest, Mention, ProductArea
from tracker.services.decisions import request_set_area, request_set_owner

pytestmark = browser_test

XLSX = "Export deals to XLSX with custom fields"
TWO_FACTOR = "Two-factor sign-in by SMS for all employees"
DARK = "Dark theme for the mobile app"

# What each language calls the things the tests click and read.
WORDS = {
    "en": {
        "everything": "Everything",
        "in_progress": "In progress",
        "declined": "Declined",
        "crm": "CRM",
        "rising": "What is rising",
        "most_new": "Most new customers in the last 7 days",
        "refused": "A request that is In progress cannot become Under review.",
        "confirm": "Yes, I’m sure",
        "status_now": "In progress",
    },
    "ru": {
        "everything": "Все статусы",
        "in_progress": "В работе",
        "declined": "Отклонена",
        "crm": "CRM-система",
        "rising": "Что набирает популярность",
        "most_new": "Больше всего новых клиентов за последние 7 дней",
        "refused": "Заявку в статусе «В работе» нельзя перевести в статус «На рассмотрении».",
        "confirm": "Да, я уверен(а)",
        "status_now": "В работе",
    },
    "ja": {
        "everything": "すべてのステータス",
        "in_progress": "作業中",
        "declined": "見送り",
        "crm": "顧客管理",
        "rising": "伸びている要望",
        "most_new": "過去 7 日間に新しい顧客が最も多いもの",
        "refused": "ステータスが「作業中」のリクエストを「検討中」にすることはできません。",
        "confirm": "はい、実行します",
        "status_now": "作業中",
    },
}
LANGUAGES = list(WORDS)


@pytest.fixture
def world(backlog):  # noqa: F811 - the fixture imported above
    """The dozen requests of the backlog fixture, two product areas, an owner, and demand
    that rose lately: three new customers of the dark theme this week."""
    anna = User.objects.get(username="anna")
    crm = ProductArea.objects.create(name="CRM", name_ru="CRM-система", name_ja="顧客管理")
    ProductArea.objects.create(name="Tasks", name_ru="Задачи", name_ja="タスク")
    for title in (XLSX, TWO_FACTOR):
        request_set_area(number=backlog[title], area=crm.pk, by=anna)
    request_set_owner(number=backlog[TWO_FACTOR], owner=anna.pk, by=anna)
    Mention.objects.filter(request_id=backlog[DARK]).update(
        created_at=timezone.now() - timedelta(days=50)
    )
    for account in ("kaede", "momiji", "tsubaki"):
        log_intake(number=backlog[DARK], account=f"{account}.bitrix24.jp", channel="hooks-main")
    return backlog


def open_as(browser, live_server, language: str, width: int = 1280):
    """A page of a browser that asks for `language`, signed in as product manager anna."""
    client = Client()
    client.force_login(User.objects.get(username="anna"))
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_backlog_by_default_then_statuses_areas_and_owners(
    live_server, browser, world, language
):
    words = WORDS[language]
    page = open_as(browser, live_server, language)
    page.goto(live_server.url + reverse("admin:tracker_featurerequest_changelist"))
    table = page.locator("#result_list")
    filters = page.locator("#changelist-filter")

    # The open work, best first, each row with its score's parts.
    first = table.locator("tbody tr").first
    expect(first).to_contain_text("Two-factor sign-in")
    expect(first.locator("td.field-why")).to_contain_text("P1")
    expect(table).not_to_contain_text("Telegram as an Open Channel")

    filters.get_by_role("link", name=words["everything"], exact=True).click()
    expect(table).to_contain_text("Telegram as an Open Channel")

    # Any set of statuses: declined, then in progress too.
    page.goto(live_server.url + reverse("admin:tracker_featurerequest_changelist"))
    page.goto(page.url + "?status__in=declined")
    filters.get_by_role("link", name=words["in_progress"], exact=True).click()
    expect(table.locator("tbody tr")).to_have_count(2)

    # The area, named in the user's language, then the owner.
    page.goto(live_server.url + reverse("admin:tracker_featurerequest_changelist"))
    filters.get_by_role("link", name=words["crm"], exact=True).click()
    expect(table.locator("tbody tr")).to_have_count(2)
    filters.get_by_role("link", name="anna", exact=True).click()
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text("Two-factor sign-in")
    if language == "ja":
        shot(page, "admin-backlog-area-owner-ja.png")
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_rising_page_shows_what_gains_customers(live_server, browser, world, language):
    words = WORDS[language]
    page = open_as(browser, live_server, language, width=1400)
    page.goto(live_server.url + reverse("admin:tracker_featurerequest_changelist"))

    page.get_by_role("link", name=words["rising"]).click()

    section = page.locator("section.rising-absolute-7")
    expect(section.locator("h2")).to_have_text(words["most_new"])
    first = section.locator("tr.rising-row").first
    expect(first).to_contain_text("Dark theme for the mobile app")
    expect(first.locator("td.figure")).to_have_text("+3")
    expect(first.locator("svg.sparkline rect").first).to_be_attached()
    expect(page.locator("section.rising-plans tr.rising-row").first).to_be_visible()
    shot(page, f"admin-rising-{language}.png")

    page.locator(".rising-areas").get_by_role("link", name=words["crm"]).click()
    expect(page.locator("section.rising-absolute-7")).not_to_contain_text("Dark theme")
    page.context.close()


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_decision_form_starts_from_now_and_refuses_the_impossible_before_confirming(
    live_server, browser, world, language
):
    words = WORDS[language]
    page = open_as(browser, live_server, language)
    number = world[TWO_FACTOR]

    def decide(slug: str) -> None:
        page.goto(live_server.url + reverse("admin:tracker_featurerequest_change", args=[number]))
        page.locator(f"a.decide-{slug}").click()

    # Status: it starts from "in progress"; "under review" is refused on the form itself.
    decide("status")
    expect(page.locator("#id_status")).to_have_value("in_progress")
    page.select_option("#id_status", "under_review")
    page.locator("#content-main form input[type=submit]").first.click()
    expect(page.locator(".errorlist")).to_contain_text(words["refused"])
    expect(page.get_by_role("button", name=words["confirm"])).to_have_count(0)
    if language in ("ru", "ja"):
        shot(page, f"admin-decision-refused-{language}.png")

    # Priority: from P1 to P2, through the confirmation page.
    decide("priority")
    expect(page.locator("#id_priority")).to_have_value("p1")
    page.select_option("#id_priority", "p2")
    page.locator("#content-main form input[type=submit]").first.click()
    page.get_by_role("button", name=words["confirm"]).click()
    assert FeatureRequest.objects.get(number=number).priority == "p2"

    # Criticality: from "as customers say" to critical.
    decide("criticality")
    expect(page.locator("#id_criticality")).to_have_value("")
    page.select_option("#id_criticality", "critical")
    page.locator("#content-main form input[type=submit]").first.click()
    page.get_by_role("button", name=words["confirm"]).click()
    assert FeatureRequest.objects.get(number=number).criticality == "critical"

    # Area: from CRM to Tasks; owner: from anna to nobody.
    decide("area")
    crm = ProductArea.objects.get(name="CRM")
    expect(page.locator("#id_area")).to_have_value(str(crm.pk))
    page.select_option("#id_area", str(ProductArea.objects.get(name="Tasks").pk))
    page.locator("#content-main form input[type=submit]").first.click()
    page.get_by_role("button", name=words["confirm"]).click()
    assert FeatureRequest.objects.get(number=number).area.name == "Tasks"
    decide("owner")
    expect(page.locator("#id_owner")).to_have_value(str(User.objects.get(username="anna").pk))
    page.select_option("#id_owner", "")
    page.locator("#content-main form input[type=submit]").first.click()
    page.get_by_role("button", name=words["confirm"]).click()
    assert FeatureRequest.objects.get(number=number).owner is None

    # Merge: a declined request cannot be kept; refused before the confirmation page.
    decide("merge")
    page.fill("#id_into", str(world["Telegram as an Open Channel"]))
    page.locator("#content-main form input[type=submit]").first.click()
    expect(page.locator(".errorlist")).to_be_visible()
    expect(page.get_by_role("button", name=words["confirm"])).to_have_count(0)
    assert FeatureRequest.objects.get(number=number).duplicate_of is None
    page.context.close()


def _pages(world: dict[str, int]) -> dict[str, str]:
    number = world[XLSX]
    ids = f"?ids={number}"
    decide = "admin:tracker_featurerequest_decide"
    return {
        "backlog": reverse("admin:tracker_featurerequest_changelist"),
        "request": reverse("admin:tracker_featurerequest_change", args=[number]),
        "history": reverse("admin:tracker_featurerequest_history", args=[number]),
        "status": reverse(decide, kwargs={"slug": "status"}) + ids,
        "priority": reverse(decide, kwargs={"slug": "priority"}) + ids,
        "criticality": reverse(decide, kwargs={"slug": "criticality"}) + ids,
        "area": reverse(decide, kwargs={"slug": "area"}) + ids,
        "owner": reverse(decide, kwargs={"slug": "owner"}) + ids,
        "merge": reverse("admin:tracker_featurerequest_merge") + ids,
        "rising": reverse("admin:tracker_featurerequest_rising"),
        "duplicates": reverse("admin:tracker_featurerequest_duplicates"),
        "log a request": reverse("admin:tracker_featurerequest_add"),
        "log a thread": reverse("admin:tracker_featurerequest_mention", args=[number]),
        "product areas": reverse("admin:tracker_productarea_changelist"),
    }


PAGES = [
    "backlog",
    "request",
    "history",
    "status",
    "priority",
    "criticality",
    "area",
    "owner",
    "merge",
    "rising",
    "duplicates",
    "log a request",
    "log a thread",
    "product areas",
]


@needs_axe
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_no_serious_violation(live_server, browser, world, name):
    # Each page in one of the three languages, in turn, so that all of them are checked.
    language = LANGUAGES[PAGES.index(name) % len(LANGUAGES)]
    page = open_as(browser, live_server, language)
    page.goto(live_server.url + _pages(world)[name])
    expect(page.locator("#content")).to_be_visible()

    assert serious_violations(page) == []
    page.context.close()


@needs_axe
@pytest.mark.parametrize("slug", ["status", "merge"])
def test_axe_finds_no_serious_violation_on_a_confirmation_page(live_server, browser, world, slug):
    page = open_as(browser, live_server, "ru")
    page.goto(live_server.url + _pages(world)[slug])
    if slug == "merge":
        page.fill("#id_into", str(world[TWO_FACTOR]))
    else:
        page.select_option("#id_status", "accepted")
    page.locator("#content-main form input[type=submit]").first.click()
    expect(page.get_by_role("button", name=WORDS["ru"]["confirm"])).to_be_visible()

    assert serious_violations(page) == []
    page.context.close()
