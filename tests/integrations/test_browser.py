"""The Bitrix24 placement page in a real browser (Debian's Chromium), opened as Bitrix24
opens it: a form POSTed into a frame with AUTH_ID, member_id, PLACEMENT and
PLACEMENT_OPTIONS. The agent sees the customer's message and the closest requests, searches
again, and logs the wish; the confirmation goes to the agents only. Saves the screenshots
of docs/chat-apps.md (`SCREENSHOTS=docs/screenshots`)."""

import html
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from tests.browser import SCREENSHOTS, browser_test
from tests.factories import ChannelFactory
from tests.integrations.conftest import (
    AGENT_AUTH,
    MEMBER_ID,
    install_form,
    placement_form,
)
from tracker.models import Mention
from tracker.services import AccountData, ThreadData, intake_log

pytestmark = browser_test

WISHES = [
    ("Выгрузка сделок в Excel", "ru", 3),
    ("取引をExcelに書き出したい", "ja", 2),
    ("Export the deal list to CSV", "en", 1),
    ("Dark theme for the web interface", "en", 4),
]
CUSTOMER_WORDS = "Добрый день! Нам очень нужна выгрузка сделок в Excel для отчётов."


@pytest.fixture
def portal(client, bitrix24_channel, bitrix24_api):
    ChannelFactory(slug="b24-main", name="Another portal")
    ref = 0
    for title, language, customers in WISHES:
        number = None
        for _ in range(customers):
            ref += 1
            number = intake_log(
                account=AccountData(f"c{ref}.bitrix24.com", plan="standard"),
                thread=ThreadData(channel="b24-main", ref=f"chat{ref}", language=language),
                request_number=number,
                title="" if number else title,
            ).request.number
    # The vectors of the similar search, as the worker makes them in the background.
    call_command("embed_requests", "--no-progress", stdout=StringIO())
    response = client.post(
        reverse("integrations:bitrix24-install", args=["b24-app"]), install_form(bitrix24_api)
    )
    assert response.status_code == 200
    bitrix24_api.messages = [
        {"id": 101, "chat_id": 4711, "author_id": 28, "text": CUSTOMER_WORDS,
         "date": "2024-04-03T10:26:00+02:00", "params": None},
    ]  # fmt: skip
    bitrix24_api.crm_company = None  # the agent names the customer's account
    bitrix24_api.calls.clear()
    return bitrix24_api


def bitrix24_frame(live_server_url: str, form: dict[str, str]) -> str:
    """A stand-in for Bitrix24's chat: the slider's frame, and the POST into it."""
    action = live_server_url + reverse("integrations:bitrix24-placement", args=["b24-app"])
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in form.items()
    )
    return (
        "<!doctype html><body style='margin:0;background:#eef2f4'>"
        "<div style='padding:8px 16px;font:600 14px sans-serif;color:#535c69'>"
        "Open Lines · Ivan Petrov – Priority Support</div>"
        "<iframe name='app' style='width:100%;height:1180px;border:0;background:#fff'></iframe>"
        f"<form id='b24' method='post' target='app' action='{action}'>{inputs}</form>"
        "<script>document.getElementById('b24').submit()</script></body>"
    )


def test_an_agent_logs_a_wish_from_the_placement_page(browser, live_server, portal):
    page = browser.new_page(viewport={"width": 760, "height": 1240})
    form = placement_form("IM_CONTEXT_MENU", {"dialogId": "chat4711", "messageId": 101})
    # The portal's chat page (served by the local Bitrix24) posts into the app's frame.
    portal.chat_page = bitrix24_frame(live_server.url, form)
    page.goto(portal.url + "/online/?IM_DIALOG=chat4711")
    frame = page.frame_locator("iframe[name=app]")

    # The first page also loads the similar search's vectors: give it time on a busy machine.
    expect(frame.locator("#message")).to_have_text(CUSTOMER_WORDS, timeout=30_000)
    closest = frame.locator("#closest li")
    expect(closest.first).to_contain_text("Выгрузка сделок в Excel")
    expect(closest.first).to_contain_text("3 customers")
    assert "取引をExcelに書き出したい" in frame.locator("#closest").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "bitrix24-placement.png"), full_page=True)

    # Searching again with other words finds other requests.
    frame.locator("input[name=q]").fill("dark theme")
    frame.get_by_role("button", name="Find similar").click()
    expect(frame.locator("#closest li").first).to_contain_text("Dark theme")

    frame.locator("input[name=q]").fill(CUSTOMER_WORDS)
    frame.get_by_role("button", name="Find similar").click()
    frame.locator("#closest li").filter(has_text="Выгрузка сделок в Excel").locator("input").check()
    frame.locator("select[name=criticality]").select_option("high")
    frame.locator("input[name=account]").fill("acme.bitrix24.ru")
    frame.get_by_role("button", name="Log", exact=True).click()

    expect(frame.locator("#done")).to_contain_text("Attached to request #")
    page.screenshot(
        path=str(SCREENSHOTS / "bitrix24-logged.png"),
        clip={"x": 0, "y": 0, "width": 760, "height": 180},
    )
    mention = Mention.objects.get(thread__ref="chat4711")
    assert mention.request.title == "Выгрузка сделок в Excel"
    assert mention.thread.account.external_id == "acme.bitrix24.ru"
    assert mention.thread.language == "ru"
    [confirmation] = portal.of("im.message.add")
    assert (confirmation["SYSTEM"], confirmation["SKIP_CONNECTOR"]) == ("Y", "Y")
    assert confirmation["auth"] == AGENT_AUTH
    assert json.loads(form["PLACEMENT_OPTIONS"])["dialogId"] == "chat4711"
    assert form["member_id"] == MEMBER_ID
