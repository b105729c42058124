"""The pieces every language's rules are made of.

A rule is one category of timing ("holidays", "durations", "event anchors") written as one
verbose regular expression, with a comment beside each alternative. A match may carry a
named group `p`: the phrase quoted back to the product manager, when the words around it
(a preposition, a verb) are needed to recognise it but not to show it.

A rule may also name what its words mean when they describe a *feature* rather than our
timing: "the Christmas theme", "tasks due next week", "the «This week» filter". Those
matches are dropped, and the search goes on past them.

Speed: a rule reads the lowercased text, so its pattern is written in lower case and
needs no IGNORECASE (which makes Python's regular expressions several times slower). The
few rules where case carries meaning ("May" the month, "Labor Day", "Q3") are `cased` and
read the text as written. A rule also names its keywords, words that every match contains:
its pattern only runs in the stretches of text around them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

Context = Callable[[str, "re.Match[str]"], bool]

# Patterns read lowercased text (or, if cased, spell out their case); contexts read the text
# as written, a few dozen characters of it, and ignore case.
FLAGS = re.VERBOSE
CONTEXT_FLAGS = re.IGNORECASE | re.VERBOSE


# How far from a keyword a phrase can start or end ("in time for the Christmas weekend").
_BEFORE, _AFTER = 60, 100


@dataclass(frozen=True)
class Rule:
    category: str
    pattern: re.Pattern[str]
    # Any of these says that a match is about a feature, not about when we deliver.
    unless: tuple[Context, ...] = field(default=())
    # Words that every match contains, lowercased: the full pattern only runs near them.
    keys: re.Pattern[str] | None = None
    # Reads the text as written rather than lowercased.
    cased: bool = False

    def phrases(self, text: str, lowered: str) -> Iterator[tuple[int, int]]:
        """The spans of the phrases at fault, first to last. `lowered` is lowercase(text)."""
        subject = text if self.cased else lowered
        for low, high in self._windows(text, lowered):
            for match in self.pattern.finditer(subject, low, high):
                if high < len(text):
                    # The window's end is not the text's: see the match as the whole text has it.
                    match = self.pattern.match(subject, match.start())  # type: ignore[assignment]
                    if match is None:
                        continue
                if any(context(text, match) for context in self.unless):
                    continue
                # The phrase to quote: the `p` group that took part in the match, or all of it.
                group = next((name for name in self._phrase_groups if match.group(name)), 0)
                yield match.start(group), match.end(group)

    def _windows(self, text: str, lowered: str) -> list[tuple[int, int]]:
        """Stretches of text around this rule's keywords, merged (all of it without keywords)."""
        if self.keys is None:
            return [(0, len(text))]
        windows: list[tuple[int, int]] = []
        for key in self.keys.finditer(lowered):
            low, high = max(0, key.start() - _BEFORE), min(len(text), key.end() + _AFTER)
            if windows and low <= windows[-1][1]:
                windows[-1] = (windows[-1][0], high)
            else:
                windows.append((low, high))
        return windows

    @property
    def _phrase_groups(self) -> list[str]:
        return [name for name in self.pattern.groupindex if name.startswith("p")]


def rule(
    category: str, pattern: str, *unless: Context, keys: str | None = None, cased: bool = False
) -> Rule:
    # A regular expression names each group once: the n-th `(?P<p>` becomes `(?P<p{n}>`.
    parts = pattern.split("(?P<p>")
    pattern = parts[0] + "".join(f"(?P<p{n}>{part}" for n, part in enumerate(parts[1:]))
    if _TUPLE.search(pattern):
        # A repetition "{0,3}" in an f-string is a tuple unless its braces are doubled, and
        # ruff format then spaces it as "{0, 3}": the pattern would silently change.
        raise ValueError(f"{category}: a repetition became a tuple: {_TUPLE.search(pattern)}")
    if not cased and (capital := _UPPER.search(stripped := _ESCAPES.sub("", pattern))):
        where = stripped[max(0, capital.start() - 20) : capital.end() + 20]
        raise ValueError(f"{category}: a pattern for lowercased text has a capital: {where!r}")
    return Rule(
        category,
        re.compile(pattern, FLAGS),
        unless,
        re.compile(factored(keys)) if keys else None,
        cased,
    )


def everywhere(rules: list[Rule], *unless: Context) -> list[Rule]:
    """The rules, each with these contexts too: for what holds in every category (the past)."""
    return [replace(each, unless=(*each.unless, *unless)) for each in rules]


def alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of a regular expression (not those inside a group or a set)."""
    found, current, depth, in_set, i = [], [], 0, False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            current.append(pattern[i : i + 2])
            i += 2
            continue
        if in_set:
            in_set = char != "]"
        elif char == "[":
            in_set = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            found.append("".join(current))
            current = []
            i += 1
            continue
        current.append(char)
        i += 1
    return [*found, "".join(current)]


def factored(keys: str) -> str:
    """The same keywords, grouped by first letter: "release|roll-?out|update" becomes
    "r(?:elease|oll-?out)|update". Python's regular expressions skip a branch whose first
    letter is not the one at hand at C speed, so a scan for 40 keywords tries a handful of
    branches at each character instead of 40: about twice as fast, with the same matches. A
    leading \\b is dropped (a keyword only says where the full pattern runs, so matching more
    places changes nothing but speed)."""
    by_letter: dict[str, list[str]] = {}
    rest = []
    for alternative in alternatives(keys):
        if alternative.startswith("\\b") and alternative[2:3].isalpha():
            alternative = alternative[2:]
        if alternative[:1].isalpha():
            by_letter.setdefault(alternative[0], []).append(alternative[1:])
        else:
            rest.append(alternative)
    grouped = [
        letter + (f"(?:{'|'.join(tails)})" if len(tails) > 1 else tails[0])
        for letter, tails in by_letter.items()
    ]
    return "|".join(grouped + rest)


_ESCAPES = re.compile(r"\\[A-Za-z]|\(\?P<\w+>|A-Z|А-ЯЁ?|#[^\n]*")
_UPPER = re.compile(r"[A-ZА-ЯЁＡ-Ｚ]")
_TUPLE = re.compile(r"[({]\d+, \d+[)}]")


def lowercase(text: str) -> str:
    """The text in lower case, letter for letter (so that spans stay the same)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(char if len(char.lower()) != 1 else char.lower() for char in text)


def words(*alternatives: str) -> str:
    """A non-capturing alternation of lexicon entries (each may be a pattern itself)."""
    return "(?:" + "|".join(alternatives) + ")"


# --- contexts: where a time word names a feature ---------------------------------------

QUOTES = (("\u201c", "\u201d"), ("\u00ab", "\u00bb"), ("\u300c", "\u300d"), ("\u300e", "\u300f"))
_REACH = 30


def quoted(text: str, match: re.Match[str]) -> bool:
    """The phrase is inside quotation marks: the name of a filter, a preset, a widget."""
    start, end = match.span()
    for left, right in (*QUOTES, ('"', '"')):
        opening = text.rfind(left, max(0, start - _REACH), start)
        if opening != -1 and right not in text[opening + 1 : start]:
            if text.find(right, end, end + _REACH) != -1:
                return True
    # An apostrophe opens a quotation only at the start of a word ('Due this week'), not
    # inside one ("customer's"), and closes it only at the end of one.
    opening = text.rfind("'", max(0, start - _REACH), start)
    if opening == -1 or (opening > 0 and text[opening - 1].isalnum()):
        return False
    closing = text.find("'", end, end + _REACH)
    return closing != -1 and not text[closing + 1 : closing + 2].isalnum()


def followed_by(pattern: str, flags: int = CONTEXT_FLAGS) -> Context:
    """The phrase is followed by these words (a feature noun it qualifies)."""
    compiled = re.compile(pattern, flags)

    def context(text: str, match: re.Match[str]) -> bool:
        return compiled.match(text, match.end()) is not None

    return context


def preceded_by(pattern: str, flags: int = CONTEXT_FLAGS, reach: int = 40) -> Context:
    """The phrase comes right after these words (a data range, a repetition, a name)."""
    compiled = re.compile(f"(?:{pattern})$", flags)

    def context(text: str, match: re.Match[str]) -> bool:
        return compiled.search(text, max(0, match.start() - reach), match.start()) is not None

    return context


def all_of(*contexts: Context) -> Context:
    """Every one of these holds."""

    def context(text: str, match: re.Match[str]) -> bool:
        return all(each(text, match) for each in contexts)

    return context


def requires(*contexts: Context) -> Context:
    """None of these holds (so the match does not count): for rules whose matches count only
    in some company, such as a capitalized name after a preposition."""

    def context(text: str, match: re.Match[str]) -> bool:
        return not any(each(text, match) for each in contexts)

    return context


def but_not(context: Context, exception: Context) -> Context:
    """`context` holds and `exception` does not."""

    def combined(text: str, match: re.Match[str]) -> bool:
        return context(text, match) and not exception(text, match)

    return combined


def sentence_has(pattern: str, flags: int = CONTEXT_FLAGS) -> Context:
    """The sentence around the phrase holds these words."""
    compiled = re.compile(pattern, flags)

    def context(text: str, match: re.Match[str]) -> bool:
        start, end = sentence(text, match)
        return compiled.search(text, start, end) is not None

    return context


def sentence_lacks(pattern: str, flags: int = CONTEXT_FLAGS) -> Context:
    """The sentence around the phrase does not hold these words."""
    has = sentence_has(pattern, flags)

    def context(text: str, match: re.Match[str]) -> bool:
        return not has(text, match)

    return context


def in_the_past(past: str, future: str, *, clause: str | None = None) -> Context:
    """The phrase stands in a clause told in the past (`past`), with nothing of the future or
    of an intention in it (`future`): "the theme was retired in 2023", «уже была выпущена
    весной», 「昨年の春に提供済みです」. A date that is history promises nothing. The clause is
    the sentence cut at `clause` (commas, "and", "but"), so that "we found the cause, and the
    fix ships next week" keeps its promise; without `clause`, the whole sentence."""
    said_past, said_future = re.compile(past, CONTEXT_FLAGS), re.compile(future, CONTEXT_FLAGS)
    cuts = re.compile(clause, CONTEXT_FLAGS) if clause else None

    def context(text: str, match: re.Match[str]) -> bool:
        start, end = sentence(text, match)
        if cuts is not None:
            for cut in cuts.finditer(text, start, match.start()):
                start = cut.end()
            following = cuts.search(text, match.end(), end)
            end = following.start() if following else end
        return bool(said_past.search(text, start, end)) and not said_future.search(text, start, end)

    return context


_SENTENCE_END = re.compile(r"[.!?。！？\n](?=\s|$)|[。！？\n]")


def sentence(text: str, match: re.Match[str]) -> tuple[int, int]:
    start = 0
    for end_mark in _SENTENCE_END.finditer(text, 0, match.start()):
        start = end_mark.end()
    following = _SENTENCE_END.search(text, match.end())
    return start, following.end() if following else len(text)
