"""Every string of the status page exists in Russian and Japanese, compiled as committed."""

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils import translation

from tracker.status import texts

LOCALE = Path(__file__).resolve().parents[2] / "tracker" / "status" / "locale"


def entries(language):
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    return text.split("\n\n")[1:]  # the first block is the header


@pytest.mark.parametrize("language", ["ru", "ja"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    blocks = entries(language)

    assert len(blocks) > 30
    for block in blocks:
        assert "#, fuzzy" not in block, block
        assert parsed(block)[2], block


def parsed(block):
    """(context, msgid, msgstr) of one .po entry, with continued lines joined."""
    fields, current = {}, None
    for line in block.splitlines():
        keyword = re.match(r"^(msgctxt|msgid|msgstr) (\".*\")$", line)
        if keyword:
            current = keyword.group(1)
            fields[current] = [keyword.group(2)]
        elif line.startswith('"') and current:
            fields[current].append(line)
    value = {k: "".join(ast.literal_eval(part) for part in v) for k, v in fields.items()}
    return value.get("msgctxt"), value["msgid"], value["msgstr"]


@pytest.mark.parametrize("language", ["ru", "ja"])
def test_the_compiled_catalog_says_what_the_source_says(language):
    with (LOCALE / language / "LC_MESSAGES" / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)

    for block in entries(language):
        context, msgid, msgstr = parsed(block)
        if context:
            assert compiled.pgettext(context, msgid) == msgstr, msgid
        else:
            assert compiled.gettext(msgid) == msgstr, msgid


@pytest.mark.parametrize("language", ["ru", "ja"])
def test_every_status_name_and_meaning_differs_from_english(language):
    for table in (texts.NAMES, texts.MEANINGS, texts.TIMING):
        for status, text in table.items():
            english = str(text)
            with translation.override(language):
                translated = str(text)
            assert translated != english, (language, status, english)


@pytest.mark.parametrize("language", ["en", "ru", "ja"])
def test_no_text_of_the_page_names_a_date_or_a_time_frame(language):
    # The same check that refuses a product manager's public note with a date in it.
    from tracker.deadlines import find_date_phrase

    for block in entries("ru"):
        context, msgid, _ = parsed(block)
        if language != "en":
            with translation.override(language):
                text = (
                    translation.pgettext(context, msgid) if context else translation.gettext(msgid)
                )
        else:
            text = msgid
        assert find_date_phrase(text) is None, (language, text, find_date_phrase(text))
