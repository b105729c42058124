"""The admin writes public texts per language: the request page's title per language, the
decision pages' note per language, each version checked by the deadline guard on its own
field; the confirmation page says who reads which version."""

import pytest
from django.urls import reverse

from tracker.models import PublicText


def decide(slug):
    return reverse("admin:tracker_featurerequest_decide", kwargs={"slug": slug})


def change(number):
    return reverse("admin:tracker_featurerequest_change", args=[number])


@pytest.fixture
def wish(log):
    number = log("Export deals to XLSX", ref="t-en", language="en").number
    log(number=number, account="b.example.com", ref="t-ja", language="ja")
    return number


def test_the_request_page_writes_the_public_title_per_language(pm_client, wish):
    response = pm_client.post(
        change(wish),
        {
            "title": "Export deals to XLSX",
            "description": "",
            "kind": "suggestion",
            "public_title_ja": "取引をXLSXにエクスポート",
            "public_title_ru": "",
        },
    )

    assert response.status_code == 302
    assert dict(PublicText.objects.values_list("language", "text")) == {
        "ja": "取引をXLSXにエクスポート"
    }
    page = pm_client.get(change(wish)).content.decode()
    assert 'value="取引をXLSXにエクスポート"' in page


def test_a_title_version_naming_a_date_is_refused_on_its_field(pm_client, wish):
    response = pm_client.post(
        change(wish),
        {
            "title": "Export deals to XLSX",
            "description": "",
            "kind": "suggestion",
            "public_title_ru": "Выгрузка до Нового года",
        },
    )

    assert response.status_code == 200
    assert "public_title_ru" in response.context["adminform"].form.errors
    assert not PublicText.objects.exists()


def test_a_note_in_two_languages_is_previewed_then_sent(pm_client, wish):
    form = {
        "ids": str(wish),
        "status": "accepted",
        "reason": "",
        "public_note": "Accepted for development.",
        "public_note_ja": "開発が決定しました。",
    }

    preview = pm_client.post(decide("status"), form).content.decode()
    pm_client.post(decide("status"), {**form, "confirm": "yes"})

    assert "1 English thread will read the English note." in preview
    assert "1 Japanese thread will read the Japanese note." in preview
    assert dict(PublicText.objects.values_list("language", "text")) == {
        "en": "Accepted for development.",
        "ja": "開発が決定しました。",
    }


def test_two_versions_of_one_language_are_refused(pm_client, wish):
    response = pm_client.post(
        decide("status"),
        {
            "ids": str(wish),
            "status": "accepted",
            "reason": "",
            "public_note": "Accepted.",
            "public_note_en": "Accepted, truly.",
        },
    )

    assert "public_note_en" in response.context["form"].errors


def test_a_note_version_naming_a_date_is_refused_on_its_field(pm_client, wish):
    response = pm_client.post(
        decide("status"),
        {
            "ids": str(wish),
            "status": "accepted",
            "reason": "",
            "public_note_ja": "来月リリースします。",
        },
    )

    assert "public_note_ja" in response.context["form"].errors
    assert not PublicText.objects.exists()


def test_support_staff_cannot_open_the_decision_page(agent_client, wish):
    response = agent_client.post(
        decide("status"),
        {"ids": str(wish), "status": "accepted", "reason": "", "public_note_ja": "承認"},
    )

    assert response.status_code == 403
