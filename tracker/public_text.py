"""Which version of a public text (a request's title, a decision's note) a reader gets.

Pure: the versions in, the chosen one out. A reader gets the version in their own language
when there is one; else the first version along the fallback order (the setting
TRACKER_PUBLIC_TEXT_FALLBACK, default: the language the text was written in); else any
version, English, Russian, Japanese in that order, so that a text that exists is never
withheld. The caller says a fallback is a fallback ("This note is in English") and never
puts the chosen text inside a sentence of another language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tracker.choices import Language

# In the fallback order, the language the text was first written in.
SOURCE = "source"
LANGUAGES: tuple[str, ...] = tuple(Language.values)


@dataclass(frozen=True)
class Chosen:
    language: str
    text: str
    # The reader asked for another language, which this text does not have.
    is_fallback: bool


def parse_order(items: Iterable[str]) -> tuple[str, ...]:
    """The fallback order from the setting's items, checked: languages and `source`."""
    order = tuple(item.strip().lower() for item in items if item.strip())
    unknown = [item for item in order if item not in (SOURCE, *LANGUAGES)]
    if unknown:
        raise ValueError(
            f"Unknown fallback {', '.join(unknown)}: use {SOURCE}, " + ", ".join(LANGUAGES)
        )
    return order or (SOURCE,)


def choose(
    versions: Mapping[str, str],
    *,
    wanted: str,
    source: str,
    order: Sequence[str] = (SOURCE,),
) -> Chosen | None:
    """The version a reader of language `wanted` gets, or None when there is none."""
    wanted = wanted[:2]
    if versions.get(wanted):
        return Chosen(language=wanted, text=versions[wanted], is_fallback=False)
    for item in (*order, *LANGUAGES):
        language = source if item == SOURCE else item
        if versions.get(language):
            return Chosen(language=language, text=versions[language], is_fallback=True)
    return None


def missing(versions: Mapping[str, str]) -> list[str]:
    """The languages a text has no version in yet."""
    return [language for language in LANGUAGES if not versions.get(language)]
