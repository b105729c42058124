"""Finds a date or a time frame in text a customer will read.

The support desk never gives a deadline: timing depends on the complexity of the work and
the development queue. So a public note that states or implies when our work happens
("next week", "before Christmas", "in the spring release", "до майских", "お盆明けに",
"once the next major version is out") is refused, and the phrase is quoted back so that
the product manager sees what to reword.

The guard knows categories, not phrases: each language has its lexicon of holidays,
seasons, fiscal periods, months and weekdays, and its grammar of how they are turned into
a time frame (a preposition, a case ending, a particle). A time word that names a feature
("the Christmas theme", "квартальный отчёт", "期日の通知") promises nothing and passes.
See docs/deadline-guard.md.
"""

from __future__ import annotations

import re

from tracker.deadlines import english, japanese, learned, russian
from tracker.deadlines.rules import Rule, lowercase

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff10-\uff5a]")


def _rules(text: str) -> list[Rule]:
    # English rules also hold in other languages' notes ("Q3", "2026-03-01"); a language's
    # own rules only run when its script is there.
    rules = english.RULES
    if _CYRILLIC.search(text):
        rules = [*rules, *russian.RULES]
    if _JAPANESE.search(text):
        rules = [*rules, *japanese.RULES]
    return rules


def _rules_only(text: str) -> str | None:
    first: tuple[int, int] | None = None
    lowered = lowercase(text)
    for rule in _rules(text):
        span = next(rule.phrases(text, lowered), None)
        # The earliest phrase, and of those starting there the longest, is the one to quote.
        if span and (first is None or (span[0], -span[1]) < (first[0], -first[1])):
            first = span
    return text[first[0] : first[1]].strip() if first else None


def rule_spans(text: str) -> list[tuple[int, int]]:
    """Every phrase the rules find in `text`, as spans, rule by rule."""
    lowered = lowercase(text)
    return [span for rule in _rules(text) for span in rule.phrases(text, lowered)]


def find_date_phrase(text: str, *, sentences: bool = True) -> str | None:
    """The first phrase in `text` that states or implies a date or a time frame, or None.

    A rule's phrase is quoted unless the learned layer is sure its sentence is ordinary (a
    feature described with time words); failing a rule's phrase, a sentence the learned
    layer scores as a promise is quoted whole. `sentences=False` is for a text that is not
    made of sentences, a request's title ("Export deals to XLSX in Q3"): the learned layer
    was trained on notes, and a title reads to it like a feature, so titles get the rules
    alone.
    """
    if not sentences:
        return _rules_only(text)
    model = learned.model()
    spans = learned.sentences(text) or [(0, len(text))]
    scores = model.scores(text, spans)
    scored = [(low, high, score) for (low, high), score in zip(spans, scores, strict=True)]

    def sentence_score(start: int) -> float:
        return next((s for low, high, s in scored if low <= start < high), scored[-1][2])

    first: tuple[int, int] | None = None
    lowered = lowercase(text)
    for rule in _rules(text):
        for span in rule.phrases(text, lowered):
            if sentence_score(span[0]) < model.veto:
                continue
            # The earliest phrase, and of those starting there the longest, is the one to quote.
            if first is None or (span[0], -span[1]) < (first[0], -first[1]):
                first = span
            break
    if first:
        return text[first[0] : first[1]].strip()
    low, high, score = max(scored, key=lambda sentence: sentence[2])
    return text[low:high].strip() if score >= model.refuse else None
