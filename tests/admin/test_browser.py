"""A product manager's morning in a real browser (Debian's Chromium): sign in, filter the
backlog, accept a request with a public note, and find the note in its history. It saves
the screenshots shown in the README."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, browser_test
from tests.factories import ChannelFactory, UserFactory
from tracker.models import FeatureRequest, Mention
from tracker.services import (
    AccountData,
    ThreadData,
    intake_log,
    request_merge,
    request_set_criticality,
    request_set_priority,
    request_transition,
)

PASSWORD = "correct horse battery staple"

pytestmark = browser_test

# (title, language, [(account, plan, channel, criticality, quote)])
WISHES = [
    (
        "Export deals to XLSX with custom fields",
        "ru",
        [
            (
                "romashka.bitrix24.ru",
                "professional",
                "b24-main",
                "high",
                "Нужна выгрузка сделок в Excel со всеми пользовательскими полями.",
            ),
            (
                "vektor.bitrix24.ru",
                "enterprise",
                "b24-main",
                "normal",
                "Бухгалтерия каждый месяц переносит сделки вручную.",
            ),
            (
                "sakura.bitrix24.jp",
                "standard",
                "hooks-main",
                "normal",
                "取引をカスタム項目ごとExcelに出力したいです。",
            ),
            ("acme.bitrix24.com", "basic", "hooks-main", "normal", "XLSX export, please."),
        ],
    ),
    (
        "Dark theme for the mobile app",
        "ja",
        [
            (
                "sakura.bitrix24.jp",
                "standard",
                "hooks-main",
                "low",
                "夜勤の時にダークモードが欲しいです。",
            ),
            ("fuji.bitrix24.jp", "free", "hooks-main", "low", "目が疲れます。"),
        ],
    ),
    (
        "Two-factor sign-in by SMS for all employees",
        "en",
        [
            (
                "globex.bitrix24.com",
                "enterprise",
                "hooks-main",
                "critical",
                "Our auditors require 2FA for every account.",
            ),
            (
                "vektor.bitrix24.ru",
                "enterprise",
                "b24-main",
                "high",
                "Служба безопасности требует 2FA.",
            ),
        ],
    ),
    (
        "Повторяющиеся задачи с гибким расписанием",
        "ru",
        [
            (
                "romashka.bitrix24.ru",
                "professional",
                "b24-main",
                "normal",
                "Хотим задачи каждый второй вторник месяца.",
            ),
            (
                "lotos.bitrix24.ru",
                "standard",
                "b24-main",
                "normal",
                "Нужен повтор по рабочим дням.",
            ),
            (
                "acme.bitrix24.com",
                "basic",
                "hooks-main",
                "normal",
                "Recurring tasks on workdays only.",
            ),
        ],
    ),
    (
        "カレンダーをGoogleカレンダーと同期",
        "ja",
        [
            (
                "fuji.bitrix24.jp",
                "free",
                "hooks-main",
                "normal",
                "Googleカレンダーと双方向で同期したい。",
            ),
            ("initech.bitrix24.com", "professional", "hooks-main", "high", "Two-way Google sync."),
        ],
    ),
    (
        "Telegram as an Open Channel",
        "en",
        [
            (
                "initech.bitrix24.com",
                "professional",
                "hooks-main",
                "normal",
                "Customers write us on Telegram.",
            ),
        ],
    ),
    (
        "Электронная подпись документов в CRM",
        "ru",
        [
            (
                "vektor.bitrix24.ru",
                "enterprise",
                "b24-main",
                "high",
                "Подписываем договоры через КЭП.",
            ),
        ],
    ),
    (
        "Bulk edit of deal stages",
        "en",
        [
            ("acme.bitrix24.com", "basic", "hooks-main", "normal", "Move 200 deals at once."),
            ("globex.bitrix24.com", "enterprise", "hooks-main", "normal", "Bulk stage change."),
        ],
    ),
    (
        "Export deals to Excel",
        "en",
        [
            ("hooli.bitrix24.com", "standard", "hooks-main", "normal", "Excel export of deals."),
        ],
    ),
    (
        "勤怠管理のCSV出力",
        "ja",
        [
            (
                "sakura.bitrix24.jp",
                "standard",
                "hooks-main",
                "normal",
                "勤怠データをCSVで出したい。",
            ),
        ],
    ),
    (
        "Custom fields in the mobile deal card",
        "en",
        [
            (
                "hooli.bitrix24.com",
                "standard",
                "hooks-main",
                "low",
                "Field staff cannot see our fields.",
            ),
        ],
    ),
    (
        "Напоминания клиентам о записи по SMS",
        "ru",
        [
            ("lotos.bitrix24.ru", "standard", "b24-main", "normal", "Клиенты забывают о записи."),
        ],
    ),
]


@pytest.fixture
def backlog():
    """A dozen multilingual requests, logged and decided through the services."""
    ChannelFactory(slug="b24-main", name="Bitrix24 portal")
    ChannelFactory(slug="hooks-main", name="Generic webhook")
    pm = UserFactory(username="anna", is_staff=True, groups=["Product managers"])
    numbers = {}
    ref = 4700
    for title, _language, mentions in WISHES:
        number = None
        for account, plan, channel, criticality, quote in mentions:
            ref += 1
            # Each customer writes in their own language, whatever the wish's first one.
            language = {"ru": "ru", "jp": "ja"}.get(account.rsplit(".", 1)[-1], "en")
            result = intake_log(
                account=AccountData(
                    external_id=account, name=account.split(".")[0].title(), plan=plan
                ),
                thread=ThreadData(channel=channel, ref=f"chat{ref}", language=language),
                request_number=number,
                title="" if number else title,
                criticality=criticality,
                quote=quote,
            )
            number = result.request.number
        numbers[title] = number
    # Spread the mentions over past weeks, as they came in.
    for i, mention in enumerate(Mention.objects.order_by("id")):
        Mention.objects.filter(pk=mention.pk).update(
            created_at=timezone.now() - timedelta(days=(i * 5) % 60)
        )
    request_set_priority(
        number=numbers["Two-factor sign-in by SMS for all employees"], priority="p1", by=pm
    )
    request_transition(
        number=numbers["Two-factor sign-in by SMS for all employees"],
        status="accepted",
        public_note="",
        by=pm,
    )
    request_transition(
        number=numbers["Two-factor sign-in by SMS for all employees"],
        status="in_progress",
        public_note="",
        by=pm,
    )
    request_set_criticality(number=numbers["Bulk edit of deal stages"], criticality="high", by=pm)
    request_transition(
        number=numbers["Telegram as an Open Channel"],
        status="declined",
        reason="marketplace_app",
        public_note="Telegram connects through a Marketplace application.",
        by=pm,
    )
    request_merge(
        number=numbers["Export deals to Excel"],
        into=numbers["Export deals to XLSX with custom fields"],
        by=pm,
    )
    return numbers


def test_a_product_manager_filters_the_backlog_and_accepts_a_request_with_a_note(
    live_server, browser, backlog
):
    xlsx = backlog["Export deals to XLSX with custom fields"]
    page = browser.new_page(viewport={"width": 1600, "height": 900})

    page.goto(f"{live_server.url}/admin/login/?next=/admin/tracker/featurerequest/")
    page.fill("#id_username", "anna")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#result_list")).to_be_visible()
    first_row = page.locator("#result_list tbody tr").first
    expect(first_row).to_contain_text("Two-factor sign-in")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "admin-backlog.png"))

    page.locator("#changelist-filter").get_by_role("link", name="Русский").click()
    assert "language=ru" in page.url
    russian = [
        title for title, _, mentions in WISHES if any(m[0].endswith(".ru") for m in mentions)
    ]
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(len(russian))
    for title in russian:
        expect(page.locator("#result_list")).to_contain_text(title)
    page.get_by_role("link", name="Export deals to XLSX with custom fields").click()

    page.locator("a.decide-status").click()
    page.select_option("#id_status", "accepted")
    page.fill("#id_public_note", "Мы взяли это в план. Сроки назвать не можем.")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_text("customer threads will be told")).to_be_visible()
    page.get_by_role("button", name="Yes, I’m sure").click()

    expect(page.locator(".messagelist")).to_contain_text(f"#{xlsx} is now Accepted.")
    history = page.locator("#history")
    expect(history).to_contain_text("Мы взяли это в план. Сроки назвать не можем.")
    expect(history.locator("tr.status-change").last).to_contain_text("Accepted")
    assert FeatureRequest.objects.get(number=xlsx).status == "accepted"
    page.set_viewport_size({"width": 1600, "height": 1500})
    page.screenshot(path=str(SCREENSHOTS / "admin-request.png"), full_page=True)
