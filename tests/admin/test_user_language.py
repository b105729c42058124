"""A language setting per user: the admin in the language a user chose for themselves,
whatever their browser asks for; their browser's when they chose none."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tracker.models import UserLanguage

MY_LANGUAGE = reverse("admin-my-language")
BACKLOG = reverse("admin:tracker_featurerequest_changelist")
RISING_LINK = {"en": "What is rising", "ru": "Что набирает популярность", "ja": "伸びている要望"}


def choose(client, language):
    return client.post(MY_LANGUAGE, {"language": language})


@pytest.mark.parametrize("language", ["ru", "ja"])
def test_a_user_who_chose_a_language_gets_the_admin_in_it_whatever_the_browser_asks(
    pm_client, pm, language
):
    response = choose(pm_client, language)

    assert response.status_code == 302
    assert UserLanguage.objects.get(user=pm).language == language
    page = pm_client.get(BACKLOG, headers={"accept-language": "en"})
    assert page["Content-Language"] == language
    assert RISING_LINK[language] in page.content.decode()
    assert RISING_LINK["en"] not in page.content.decode()


def test_a_choice_made_in_another_browser_counts_from_the_next_sign_in(client, pm):
    UserLanguage.objects.create(user=pm, language="ja")
    client.force_login(pm)

    page = client.get(BACKLOG, headers={"accept-language": "ru"})

    assert page["Content-Language"] == "ja"
    assert RISING_LINK["ja"] in page.content.decode()


def test_the_choice_is_read_once_a_session_not_on_every_page(pm_client, pm):
    choose(pm_client, "ru")
    pm_client.get(BACKLOG)

    # As if chosen in another browser: this one keeps what it read until it signs in again
    # (tests/admin/test_backlog.py pins the page's query count).
    UserLanguage.objects.filter(user=pm).update(language="ja")
    page = pm_client.get(BACKLOG)

    assert page["Content-Language"] == "ru"


def test_without_a_choice_the_admin_follows_the_browser(pm_client, pm):
    choose(pm_client, "ru")
    choose(pm_client, "")

    assert UserLanguage.objects.get(user=pm).language == ""
    page = pm_client.get(BACKLOG, headers={"accept-language": "ja"})
    assert page["Content-Language"] == "ja"
    assert RISING_LINK["ja"] in page.content.decode()


def test_a_user_who_never_chose_follows_the_browser(pm_client, pm):
    page = pm_client.get(BACKLOG, headers={"accept-language": "ru"})

    assert not UserLanguage.objects.filter(user=pm).exists()
    assert page["Content-Language"] == "ru"


def test_the_page_is_linked_from_the_user_tools_and_starts_from_the_choice(pm_client):
    page = pm_client.get(BACKLOG, headers={"accept-language": "en"}).content.decode()
    assert f'href="{MY_LANGUAGE}"' in page

    form = pm_client.post(MY_LANGUAGE, {"language": "ja"}, follow=True)

    assert form.context["form"]["language"].value() == "ja"
    # Said in the language just chosen.
    assert "言語を保存しました。" in form.content.decode()


def test_a_user_cannot_change_another_users_language(pm_client, pm, agent):
    UserLanguage.objects.create(user=agent, language="ja")

    # The page names no user: whatever else is posted, only the poster's own row changes.
    choose_other = pm_client.post(MY_LANGUAGE, {"language": "ru", "user": agent.pk, "pk": agent.pk})

    assert choose_other.status_code == 302
    assert UserLanguage.objects.get(user=agent).language == "ja"
    assert UserLanguage.objects.get(user=pm).language == "ru"


def test_a_language_the_site_does_not_have_is_refused(pm_client, pm):
    response = choose(pm_client, "de")

    assert response.status_code == 200
    assert response.context["form"].errors["language"]
    assert not UserLanguage.objects.filter(user=pm).exists()


def test_anonymous_users_and_customers_are_sent_to_sign_in(client, db):
    customer = UserFactory(username="not-staff", is_staff=False)

    for who in (None, customer):
        if who:
            client.force_login(who)
        response = client.post(MY_LANGUAGE, {"language": "ru"})
        assert response.status_code == 302
        assert reverse("admin:login") in response.url
    assert not UserLanguage.objects.exists()


def test_the_status_page_and_the_api_keep_following_the_browser(pm_client, pm):
    choose(pm_client, "ru")

    status = pm_client.get(reverse("status_page:lookup"), headers={"accept-language": "ja"})
    api = pm_client.get("/api/requests/999999/", headers={"accept-language": "ja"})

    assert status["Content-Language"] == "ja"
    assert api["Content-Language"] == "ja"
