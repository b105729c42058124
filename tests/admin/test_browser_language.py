"""A product manager whose browser asks for English chooses Russian for the admin, in the
admin itself: from then on the admin is in Russian, and the page passes axe-core."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.admin.test_browser_pm import open_as, shot
from tests.axe import needs_axe, serious_violations
from tests.browser import browser_test
from tests.factories import UserFactory
from tracker.models import UserLanguage

pytestmark = browser_test


@pytest.fixture
def anna(db):
    return UserFactory(username="anna", is_staff=True, groups=["Product managers"])


@needs_axe
def test_a_user_chooses_the_admins_language_for_themselves(live_server, browser, anna):
    page = open_as(browser, live_server, "en")
    page.goto(live_server.url + reverse("admin:tracker_featurerequest_changelist"))
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("#user-tools").get_by_role("link", name="My language").click()
    assert serious_violations(page) == []
    page.get_by_label("Русский").check()
    page.get_by_role("button", name="Save").click()

    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator(".messagelist")).to_contain_text("Язык сохранён.")
    expect(page.get_by_label("Русский")).to_be_checked()
    shot(page, "admin-my-language-ru.png")
    assert serious_violations(page) == []
    assert UserLanguage.objects.get(user=anna).language == "ru"

    page.goto(live_server.url + reverse("admin:tracker_featurerequest_changelist"))
    expect(page.get_by_role("link", name="Что набирает популярность")).to_be_visible()
    page.context.close()
