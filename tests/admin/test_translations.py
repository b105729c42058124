"""The admin in Russian and Japanese: every string we mark for translation is in the catalogs,
translated, none fuzzy, and the compiled catalogs say what the sources say.

The first test runs makemessages on a copy of the app, so a string marked in the code but
never extracted fails it just as an empty or fuzzy entry does."""

import ast
import gettext
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from tracker.models import FeatureRequest

APP = Path(__file__).resolve().parents[2] / "tracker"
LANGUAGES = ["ru", "ja"]


def entries(po: Path) -> list[dict]:
    """The entries of a .po file (not the header, not the obsolete ones), each with its
    flags, msgctxt, msgid, msgid_plural and msgstr / msgstr[n] joined from their lines."""
    found = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, list[str]] = {}
        flags: set[str] = set()
        current = None
        for line in block.splitlines():
            if line.startswith("#,"):
                flags |= {flag.strip() for flag in line[2:].split(",")}
            keyword = re.match(r"^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d\])?) (\".*\")$", line)
            if keyword:
                current = keyword.group(1)
                fields[current] = [keyword.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        if "msgid" not in fields:
            continue  # obsolete (#~) entries only
        entry: dict[str, Any] = {
            k: "".join(ast.literal_eval(part) for part in v) for k, v in fields.items()
        }
        if entry["msgid"] == "":
            continue  # the header
        entry["flags"] = flags
        found.append(entry)
    return found


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


needs_gettext = pytest.mark.skipif(
    shutil.which("xgettext") is None, reason="makemessages needs GNU gettext (apt install gettext)"
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """A copy of the app with its catalogs brought up to date by makemessages, as a
    developer would run it: what the code marks today, merged into what is committed."""
    copy = tmp_path_factory.mktemp("catalogs") / "tracker"
    shutil.copytree(APP, copy, ignore=shutil.ignore_patterns("__pycache__", "status"))
    import os

    here = os.getcwd()
    os.chdir(copy)
    try:
        call_command("makemessages", locale=LANGUAGES, verbosity=0)
    finally:
        os.chdir(here)
    return copy / "locale"


@needs_gettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_the_admin_marks_is_translated_and_none_is_fuzzy(extracted, language):
    found = entries(extracted / language / "LC_MESSAGES" / "django.po")

    assert len(found) > 300
    untranslated = [e["msgid"] for e in found if not all(translations(e))]
    fuzzy = [e["msgid"] for e in found if "fuzzy" in e["flags"]]
    assert untranslated == [], f"run makemessages and translate these for {language}"
    assert fuzzy == [], f"check and unmark these fuzzy entries for {language}"


@needs_gettext
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_committed_catalog_is_the_extracted_one(extracted, language):
    committed = APP / "locale" / language / "LC_MESSAGES" / "django.po"
    fresh = extracted / language / "LC_MESSAGES" / "django.po"

    def ids(po: Path) -> set:
        return {(e.get("msgctxt"), e["msgid"]) for e in entries(po)}

    assert ids(fresh) - ids(committed) == set(), "run makemessages: these are not in the catalog"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalog_says_what_the_source_says(language):
    folder = APP / "locale" / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    for entry in entries(folder / "django.po"):
        if "msgid_plural" in entry:
            assert compiled.ngettext(entry["msgid"], entry["msgid_plural"], 5) in translations(
                entry
            )
        elif entry.get("msgctxt"):
            assert compiled.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"], entry["msgid"]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Заявки на доработку", "Экспорт в CSV", "Что набирает популярность", "Открытые"]),
        ("ja", ["機能リクエスト", "CSV にエクスポート", "伸びている要望", "未完了の作業"]),
    ],
)
def test_the_backlog_speaks_the_browsers_language(pm_client, log, language, words):
    log("Export deals")

    page = pm_client.get(
        reverse("admin:tracker_featurerequest_changelist"),
        headers={"accept-language": f"{language},en;q=0.5"},
    ).content.decode()

    for word in words:
        assert word in page
    assert "feature request" not in page


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Заявку в статусе «Выполнена» нельзя перевести в статус «На рассмотрении»."),
        ("ja", "ステータスが「完了」のリクエストを「検討中」にすることはできません。"),
        ("en", "A request that is Done cannot become Under review."),
    ],
)
def test_a_refused_status_is_named_by_its_translated_label(pm_client, log, language, expected):
    number = log("Export deals").number
    FeatureRequest.objects.filter(number=number).update(status="done")

    response = pm_client.post(
        reverse("admin:tracker_featurerequest_decide", kwargs={"slug": "status"}),
        {"ids": number, "status": "under_review", "public_note": ""},
        headers={"accept-language": language},
    )

    assert response.context["confirming"] is False
    assert expected in response.content.decode()


def test_a_merge_into_a_declined_request_is_refused_before_confirming(pm_client, log):
    kept = log("Telegram as an Open Channel").number
    FeatureRequest.objects.filter(number=kept).update(
        status="declined", decline_reason="not_planned"
    )
    other = log("Telegram channel").number

    response = pm_client.post(
        reverse("admin:tracker_featurerequest_merge"),
        {"ids": f"{kept},{other}", "into": kept},
        headers={"accept-language": "ru"},
    )

    assert response.context["confirming"] is False
    assert "в статусе «Отклонена»" in response.content.decode()
    assert FeatureRequest.objects.get(number=other).duplicate_of is None
