"""Our own fixed texts promise no date either: every message of the status page's catalog and
of the main one (the customers' notifications, the choices they read, and the admin's texts)
goes through the same deadline guard as a product manager's note, in English (the msgids),
Russian and Japanese (the msgstrs), and none is flagged."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tracker.deadlines import find_date_phrase

ROOT = Path(__file__).resolve().parents[1] / "tracker"
CATALOGS = [ROOT / "status" / "locale", ROOT / "locale"]
KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (\".*\")$")


def po_texts(path: Path) -> Iterator[tuple[str, str]]:
    """(keyword, text) of every msgid, msgid_plural and msgstr of a .po file, with continued
    lines joined; the header entry is left out."""
    for block in path.read_text(encoding="utf-8").split("\n\n")[1:]:
        fields: dict[str, list[str]] = {}
        current = None
        for line in block.splitlines():
            keyword = KEYWORD.match(line)
            if keyword:
                current = keyword.group(1)
                fields[current] = [keyword.group(2)]
            elif line.startswith('"') and current:
                fields[current].append(line)
        for name, parts in fields.items():
            if name != "msgctxt":
                yield name, "".join(ast.literal_eval(part) for part in parts)


@pytest.mark.parametrize("catalog", CATALOGS, ids=["status", "main"])
@pytest.mark.parametrize("language", ["ru", "ja"])
def test_no_fixed_text_names_a_date_or_a_time_frame(catalog, language):
    texts = list(po_texts(catalog / language / "LC_MESSAGES" / "django.po"))

    assert sum(name.startswith("msgstr") for name, _ in texts) > 30
    # Our own fixed texts are read by the rules, which name the phrase at fault. The learned
    # layer judges what people write; it learned these catalogues as ordinary text when it
    # was trained, and an admin label of one word ("new", "Решение") gives it no context.
    flagged = [
        (name, text, phrase)
        for name, text in texts
        if (phrase := find_date_phrase(text, sentences=False))
    ]
    assert flagged == []


def test_the_check_reads_plural_and_continued_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n\n'
        'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "first"\nmsgstr[1] ""\n"до Нового года"\n',
        encoding="utf-8",
    )

    texts = list(po_texts(po))

    assert ("msgstr[1]", "до Нового года") in texts
    assert find_date_phrase(dict(texts)["msgstr[1]"]) == "до Нового года"
