"""The deadline guard measured on the labelled set, tests/data/deadline_notes.jsonl.

The set was written in parts, each committed before the guard saw it: `tuning` (split once
with `held_out` by family, before any tuning), then `held_out_2` ... `held_out_7`, each
written after the previous held-out part had been measured and before its errors were read.
`held_out_7` is the held-out part: its figures say how the guard does on wording it was not
built from. `held_out_6` is spent (a choice was made after seeing it) and not tuned on; the
others are data the guard was tuned on (docs/deadline-guard.md has the history).
"""

from collections import Counter
from pathlib import Path

import pytest

from tracker.deadlines import find_date_phrase, learned, rule_spans, train
from tracker.deadlines.evaluate import HELD_OUT as EVALUATED_HELD_OUT
from tracker.deadlines.evaluate import LANGUAGES, UNTUNED, figures, load, main

TARGET_PROMISES_REFUSED = 0.95
TARGET_ORDINARY_REFUSED = 0.02
SEEN = ("tuning", "held_out", "held_out_2", "held_out_3", "held_out_4", "held_out_5")
HELD_OUT = "held_out_7"
# What the guard (rules and learned layer) does on the held-out part, of 42 promises and 44
# ordinary notes per language: written (by another hand) and committed before it was run on
# it, then measured once on the guard of the held_out_6 round, which was finished before the
# part existed. A round that tuned on the other parts (a retrained learned layer with a
# lower refusing score, more rules) did no better on it (40/37/35 promises, 4/5/3 ordinary)
# and refused ordinary notes such as 「対応いたします。」, so it was not kept
# (docs/deadline-guard.md). Better is welcome; worse fails.
HELD_OUT_PROMISES_REFUSED: dict[str, int] | None = {"en": 41, "ru": 38, "ja": 36}
HELD_OUT_ORDINARY_REFUSED: dict[str, int] | None = {"en": 5, "ru": 7, "ja": 3}
# held_out_6, of 39 promises and 38 ordinary notes per language: measured once with that
# round's retrained learned layer (31/26/32 promises, 1/3/3 ordinary), then once more with
# the rules of the round and the learned layer of the round before, which let far fewer
# promises through and is the one kept: the figures below. Chosen after seeing the part, so
# the part is spent; it is not tuned on either, and holds the guard to what it did.
SPENT = "held_out_6"
SPENT_PROMISES_REFUSED = {"en": 37, "ru": 34, "ja": 36}
SPENT_ORDINARY_REFUSED = {"en": 3, "ru": 5, "ja": 3}


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
    assert Counter(note.split for note in notes).keys() == {*SEEN, SPENT, HELD_OUT}


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_every_part_it_was_tuned_on_it_meets_the_targets(notes, language):
    counts = figures(note for note in notes if note.split in SEEN)[language]

    assert counts.promises_refused_share >= TARGET_PROMISES_REFUSED
    assert counts.ordinary_refused_share <= TARGET_ORDINARY_REFUSED


def test_the_held_out_part_is_the_one_the_evaluation_and_the_training_leave_out():
    assert HELD_OUT == EVALUATED_HELD_OUT
    assert set(UNTUNED) == {SPENT, HELD_OUT}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_held_out_part_has_at_least_60_notes_per_language_about_half_promises(notes, language):
    mine = [note for note in notes if note.split == HELD_OUT and note.language == language]

    assert len(mine) >= 60
    assert 0.4 <= sum(note.promise for note in mine) / len(mine) <= 0.6


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_the_held_out_part_it_does_no_worse_than_when_it_was_measured(notes, language):
    if HELD_OUT_PROMISES_REFUSED is None or HELD_OUT_ORDINARY_REFUSED is None:
        pytest.skip(f"{HELD_OUT} is measured once, at the end of the round")
    counts = figures(note for note in notes if note.split == HELD_OUT)[language]

    assert counts.promises_refused >= HELD_OUT_PROMISES_REFUSED[language]
    assert counts.ordinary_refused <= HELD_OUT_ORDINARY_REFUSED[language]


@pytest.mark.parametrize("language", LANGUAGES)
def test_on_the_spent_part_it_does_no_worse_than_when_it_was_measured(notes, language):
    counts = figures(note for note in notes if note.split == SPENT)[language]

    assert counts.promises_refused >= SPENT_PROMISES_REFUSED[language]
    assert counts.ordinary_refused <= SPENT_ORDINARY_REFUSED[language]


def test_the_report_prints_each_part_it_was_tuned_on_per_language_and_not_the_held_out_one(
    capsys,
):
    main([])

    report = capsys.readouterr().out
    assert report.startswith("tuning:")
    assert all(f"\n{split}:\n" in report for split in SEEN[1:])
    assert f"{HELD_OUT}:" not in report
    assert f"{SPENT}:" not in report
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


# The learned layer (tracker/deadlines/learned.py).


def test_the_fast_scores_of_a_note_are_the_scores_of_its_sentences_one_by_one():
    model = learned.model()
    text = (
        "Thanks for the report.  The date picker in 24.300 works!\n"
        "正月明けに対応いたします。Сделаем на днях. Ｑ３ ok"
    )
    spans = learned.sentences(text)

    assert len(spans) == 5
    assert model.scores(text, spans) == pytest.approx([model.score(text[a:b]) for a, b in spans])


def test_a_promise_no_rule_knows_is_refused_with_its_sentence_quoted(notes):
    # The promises of the parts tuned on that no rule knows ("This should make its way to you
    # before the leaves turn." was one until the held_out_6 round: docs/deadline-guard.md),
    # inside a longer note: the sentence at fault is what the guard quotes.
    unknown = [n.text for n in notes if n.split in SEEN and n.promise and not rule_spans(n.text)]
    quoted = [
        find_date_phrase(f"Thanks for the detailed report. {promise} We will write here.")
        for promise in unknown
    ]

    assert len(unknown) >= 5
    # (One in ten is not refused even as trained: 「クリスマスと正月の間の週に展開する予定です。」)
    assert sum(
        phrase == promise for phrase, promise in zip(quoted, unknown, strict=True)
    ) >= 0.9 * len(unknown)
    assert all(phrase in (promise, None) for phrase, promise in zip(quoted, unknown, strict=True))


def test_a_rule_s_phrase_in_a_sentence_the_model_is_sure_is_ordinary_passes(notes):
    model = learned.model()
    vetoed = [
        n.text
        for n in notes
        if n.split in SEEN
        and not n.promise
        and rule_spans(n.text)
        and len(learned.sentences(n.text)) == 1
        and model.score(n.text) < model.veto
    ]
    # Features described with time words the rules take for timing: «Смена, которая
    # начинается в пятницу…», "The dashboard shows the week ahead."
    assert len(vetoed) >= 5
    assert [text for text in vetoed if find_date_phrase(text) is not None] == []


def test_no_two_character_n_grams_of_the_weights_share_a_hash():
    # `Model.scores` looks the n-grams up by hash: two sharing one would swap weights.
    model = learned.model()
    for n, table in model._grams.items():
        hashes = table.keys[table.keys != 0]
        grams = [k for k in model.weights if not k.startswith("\x01") and len(k) == n]
        assert len(set(hashes.tolist())) == len(hashes) == len(grams)


def test_the_thresholds_are_ordered_and_the_weights_small():
    model = learned.model()

    assert model.veto < 0 < model.refuse
    assert learned.WEIGHTS.stat().st_size < 1_000_000


def test_the_training_script_fits_a_model_that_separates_what_it_was_shown(notes):
    few = [note for note in notes if note.split == "held_out_3"]
    model = train.fit_notes(few, l2=1e-5, steps=200)

    refused = [max(model.scores(n.text, learned.sentences(n.text))) >= 0 for n in few]
    assert sum(r == n.promise for r, n in zip(refused, few, strict=True)) >= 0.95 * len(few)


def test_a_title_is_read_by_the_rules_alone_since_it_is_not_made_of_sentences():
    title = "Export deals to XLSX in Q3"

    # A noun phrase reads to the learned layer like a feature; the title's rules still hold.
    assert learned.model().score(title) < learned.model().veto
    assert find_date_phrase(title, sentences=False) == "Q3"
