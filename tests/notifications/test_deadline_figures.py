"""The deadline guard measured on the labelled set, tests/data/deadline_notes.jsonl.

The set was written in parts, each committed before the guard saw it: `tuning` (split once
with `held_out` by family, before any tuning), then `held_out_2`, `held_out_3` and
`held_out_4`, each written after the previous held-out part had been measured once and
before its errors were read. So every part but the last is now data the guard was tuned
on, and `held_out_4` is the held-out part: its figures say how the guard does on wording it
was not built from (docs/deadline-guard.md has the history).
"""

from collections import Counter
from pathlib import Path

import pytest

from tracker.deadlines import find_date_phrase
from tracker.deadlines.evaluate import LANGUAGES, figures, load, main

TARGET_PROMISES_REFUSED = 0.95
TARGET_ORDINARY_REFUSED = 0.02
SEEN = ("tuning", "held_out", "held_out_2", "held_out_3")
HELD_OUT = "held_out_4"
# What the guard did on the held-out part when it was measured, the one time, at the end.
# Better is welcome; worse fails. (The targets above are not reached there yet.)
HELD_OUT_PROMISES_REFUSED = {"en": 43, "ru": 39, "ja": 39}
HELD_OUT_ORDINARY_REFUSED = {"en": 5, "ru": 6, "ja": 6}


@pytest.fixture(scope="module")
def notes():
    return load()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_set_has_at_least_150_notes_per_language_about_half_of_them_promises(notes, language):
    mine = [note for note in notes if note.language == language]
    promises = sum(note.promise for note in mine)

    assert len(mine) >= 150
    assert 0.4 <= promises / len(mine) <= 0.6


def test_no_family_of_phrasings_is_in_two_parts(notes):
    parts_of_family: dict[str, set[str]] = {}
    for note in notes:
        parts_of_family.setdefault(note.family, set()).add(note.split)

    assert all(len(parts) == 1 for parts in parts_of_family.values())
    assert Counter(note.split for note in notes).keys() == {*SEEN, HELD_OUT}


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_every_part_it_was_tuned_on_it_meets_the_targets(notes, language):
    counts = figures(note for note in notes if note.split in SEEN)[language]

    assert counts.promises_refused_share >= TARGET_PROMISES_REFUSED
    assert counts.ordinary_refused_share <= TARGET_ORDINARY_REFUSED


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_the_held_out_part_it_does_no_worse_than_when_it_was_measured(notes, language):
    counts = figures(note for note in notes if note.split == HELD_OUT)[language]

    assert counts.promises_refused >= HELD_OUT_PROMISES_REFUSED[language]
    assert counts.ordinary_refused <= HELD_OUT_ORDINARY_REFUSED[language]


def test_the_report_prints_each_part_per_language(capsys):
    main(["--split", HELD_OUT])

    report = capsys.readouterr().out
    assert report.startswith(f"{HELD_OUT}:")
    for language in LANGUAGES:
        assert f"\n  {language} " in report


def rewordings():
    """The table in docs/deadline-guard.md: a refused note, and the same said without a date."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "deadline-guard.md").read_text()
    table = doc[doc.index("| refused | say instead |") :].split("\n\n")[0]
    return [tuple(cell.strip() for cell in row.split("|")[1:3]) for row in table.splitlines()[2:]]


@pytest.mark.parametrize(("refused", "reworded"), rewordings())
def test_the_documented_rewordings_say_the_same_without_a_date(refused, reworded):
    assert find_date_phrase(refused) is not None
    assert find_date_phrase(reworded) is None
