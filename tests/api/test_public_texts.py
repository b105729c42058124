"""The API writes public texts per language: `public_title` on PATCH, `public_note` on
transition and merge, each a string or {"en", "ru", "ja"} with keys left out; every version
passes the deadline guard, and an error names the version (`public_note.ja`)."""

import pytest
from django.urls import reverse

from tests.api.conftest import errors_by_field
from tests.factories import log_intake
from tracker.models import Decision, PublicText


def detail(number):
    return reverse("api-request", args=[number])


def transition(number):
    return reverse("api-request-transition", args=[number])


def versions(number, kind):
    return dict(
        PublicText.objects.filter(request_id=number, kind=kind).values_list("language", "text")
    )


def test_a_product_manager_sets_the_public_title_per_language(pm, channel):
    number = log_intake(title="Export deals to XLSX").number

    response = pm.patch(
        detail(number),
        {"public_title": {"ru": "Выгрузка сделок", "ja": "取引の出力"}},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["public_titles"] == {
        "en": "Export deals to XLSX",
        "ru": "Выгрузка сделок",
        "ja": "取引の出力",
    }
    assert versions(number, "title") == {"ru": "Выгрузка сделок", "ja": "取引の出力"}
    # The language first written is the internal title's: English.
    assert set(PublicText.objects.values_list("source_language", flat=True)) == {"en"}
    assert set(Decision.objects.filter(request_id=number).values_list("field", flat=True)) == {
        "public_title.ru",
        "public_title.ja",
    }


def test_a_string_title_is_the_version_in_its_own_script(pm, channel):
    number = log_intake(title="Export deals to XLSX").number

    pm.patch(detail(number), {"public_title": "Выгрузка сделок в Excel"}, format="json")

    assert versions(number, "title") == {"ru": "Выгрузка сделок в Excel"}


def test_a_blank_version_removes_it(pm, channel):
    number = log_intake(title="Export deals to XLSX").number
    pm.patch(detail(number), {"public_title": {"ja": "取引の出力"}}, format="json")

    pm.patch(detail(number), {"public_title": {"ja": " "}}, format="json")

    assert versions(number, "title") == {}


def test_a_note_in_three_languages_keeps_the_first_as_written_first(pm, channel):
    number = log_intake(title="Export deals to XLSX").number

    response = pm.post(
        transition(number),
        {"status": "accepted", "public_note": {"ja": "承認しました。", "en": "Accepted."}},
        format="json",
    )

    assert response.status_code == 200
    assert versions(number, "note") == {"ja": "承認しました。", "en": "Accepted."}
    assert set(PublicText.objects.values_list("source_language", flat=True)) == {"ja"}


@pytest.mark.parametrize(
    ("note", "field"),
    [
        ({"en": "Accepted.", "ja": "お盆明けにリリースします。"}, "public_note.ja"),
        ({"ru": "Сделаем до Нового года."}, "public_note.ru"),
        ("We will ship it next week.", "public_note"),
    ],
)
def test_every_version_passes_the_deadline_guard(pm, channel, note, field):
    number = log_intake(title="Export deals to XLSX").number

    response = pm.post(
        transition(number), {"status": "accepted", "public_note": note}, format="json"
    )

    assert response.status_code == 400
    assert field in errors_by_field(response)
    assert not PublicText.objects.exists()


def test_a_merge_note_per_language_is_checked_too(pm, channel):
    survivor = log_intake(title="Export deals to XLSX").number
    other = log_intake(title="Excel export", account="b.example.com", ref="c2").number

    response = pm.post(
        reverse("api-request-merge", args=[other]),
        {"into": survivor, "public_note": {"en": "Same wish.", "ja": "来月対応します。"}},
        format="json",
    )

    assert response.status_code == 400
    error = errors_by_field(response)["public_note.ja"]
    assert "Japanese" in error["message"]


@pytest.mark.parametrize(
    "title",
    [{"de": "Export"}, {"en": 5}, ["Export"], {"en": "a\x00b"}],
)
def test_a_malformed_title_is_a_400_naming_it(pm, channel, title):
    number = log_intake(title="Export deals to XLSX").number

    response = pm.patch(detail(number), {"public_title": title}, format="json")

    assert response.status_code == 400
    assert any(field.startswith("public_title") for field in errors_by_field(response))


def test_a_title_naming_a_date_is_refused(pm, channel):
    number = log_intake(title="Export deals to XLSX").number

    response = pm.patch(
        detail(number), {"public_title": {"en": "Export (next week)"}}, format="json"
    )

    assert response.status_code == 400
    assert "public_title.en" in errors_by_field(response)


@pytest.mark.parametrize(
    ("client", "status"), [("agent", 403), ("stranger", 403), ("anonymous", 401)]
)
def test_only_product_managers_write_public_titles(request, channel, client, status):
    number = log_intake(title="Export deals to XLSX").number

    response = request.getfixturevalue(client).patch(
        detail(number), {"public_title": {"ja": "取引の出力"}}, format="json"
    )

    assert response.status_code == status
    assert not PublicText.objects.exists()


def test_the_public_json_speaks_the_asked_language_and_marks_a_fallback(pm, anonymous, channel):
    number = log_intake(title="Export deals to XLSX").number
    pm.patch(detail(number), {"public_title": {"ja": "取引の出力"}}, format="json")
    pm.post(transition(number), {"status": "accepted", "public_note": "Accepted."}, format="json")

    ja = anonymous.get(reverse("api-public-request", args=[number]), {"language": "ja"}).json()
    ru = anonymous.get(
        reverse("api-public-request", args=[number]), HTTP_ACCEPT_LANGUAGE="ru"
    ).json()
    bad = anonymous.get(reverse("api-public-request", args=[number]), {"language": "de"})

    assert (ja["title"], ja["title_is_fallback"]) == ("取引の出力", False)
    assert ja["history"][-1]["public_note_is_fallback"] is True
    assert (ru["language"], ru["title"], ru["title_language"]) == (
        "ru",
        "Export deals to XLSX",
        "en",
    )
    assert ru["title_is_fallback"] is True
    assert ja["titles"] == {"en": "Export deals to XLSX", "ja": "取引の出力"}
    assert bad.status_code == 400
