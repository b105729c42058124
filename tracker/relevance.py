"""How alike a query and a request are: pure functions, inputs in, a score from 0 to 1 out.

Three signals, blended (docs/similar.md has the measurements behind every constant):

- the vector score: the cosine of the two texts' sentence embeddings. It finds the
  paraphrase in another language, where the two texts share no word;
- the word score: shared character trigrams, as pg_trgm counts them. It is what same-
  language queries lean on, and it is exact where embeddings blur;
- exact tokens: names and codes that every language writes alike ("Jira", "iOS",
  "E-4012", "24.3"). Embeddings hardly tell E-4012 from E-4013, and inside a Russian or
  Japanese query such a token is too small a share of the trigrams to count, so a title
  that carries the query's codes is lifted towards 1 by a separate term.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from tracker.choices import Language

# A cosine at or below VECTOR_FLOOR means unrelated: off-topic texts ("zebra quantum
# violin", "погода в Москве") reach at most 0.19 against the test backlogs. VECTOR_FULL
# is as good as the same sentence; in between the score rises linearly.
VECTOR_FLOOR = 0.2
VECTOR_FULL = 0.9
# The vector score's share of the blend; the word score has the rest.
VECTOR_WEIGHT = 0.7
# How far a title carrying all of the query's exact tokens is lifted towards 1.
EXACT_LIFT = 0.5

WORD = re.compile(r"\w+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
# A run of Latin letters and digits, joined by - . _ inside: Jira, iOS, E-4012, 24.3.
_LATIN = re.compile(r"[A-Za-z0-9]+(?:[-._][A-Za-z0-9]+)*")


def normalize(text: str) -> str:
    # NFKC folds full-width Latin and half-width kana, which Japanese users mix freely.
    return unicodedata.normalize("NFKC", text).casefold()


# Memoised: a search scores its query against a hundred titles, and popular titles come
# up in search after search.
@lru_cache(maxsize=8192)
def grams(text: str) -> frozenset[str]:
    """pg_trgm-style trigrams of every word, plus character bigrams of CJK runs.

    Trigrams need care for Japanese: it has no spaces, so a short query such as 通知 is
    one two-character "word" whose padded trigrams never occur inside a longer title;
    the bigrams let it count."""
    found: set[str] = set()
    for word in WORD.findall(normalize(text)):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
        if CJK.search(word):
            found.update(word[i : i + 2] for i in range(len(word) - 1))
            if len(word) == 1:
                found.add(word)
    return frozenset(found)


def similarity(query: str, title: str) -> float:
    """The word score: how alike a query and a title are by their trigrams, from 0 to 1.

    The mean of two ratios: how much of the query the title covers (a short query inside a
    long title scores high), and the overlap of both (a title that says much else scores
    lower)."""
    q, t = grams(query), grams(title)
    if not q or not t:
        return 0.0
    common = len(q & t)
    return round((common / len(q) + common / len(q | t)) / 2, 3)


def exact_tokens(text: str) -> frozenset[str]:
    """The tokens of `text` that no translation changes, casefolded.

    A Latin run counts when it holds a digit (E-4012, 24.3, 2fa), when it stands in a
    Russian or Japanese text (Jira連携, интеграция с Trello), or when it is capitalised
    anywhere but at the start of the text (iOS, CRM, "sync with Outlook"). Other words
    of an English text are plain words that another language says differently. A single
    character is never a token."""
    text = unicodedata.normalize("NFKC", text)
    foreign = any(ch.isalpha() and not ch.isascii() for ch in text)
    tokens = set()
    for match in _LATIN.finditer(text):
        run = match.group()
        if len(run) < 2:
            continue
        if (
            foreign
            or any(ch.isdigit() for ch in run)
            or any(ch.isupper() for ch in run[1:])
            or (run[0].isupper() and text[: match.start()].strip() != "")
        ):
            tokens.add(run.casefold())
    return frozenset(tokens)


def exact_score(tokens: frozenset[str], title: str) -> float:
    """The share of the query's exact `tokens` that `title` carries as whole tokens."""
    if not tokens:
        return 0.0
    words = {run.casefold() for run in _LATIN.findall(unicodedata.normalize("NFKC", title))}
    return len(tokens & words) / len(tokens)


def vector_score(cosine: float) -> float:
    """The cosine of two sentence embeddings mapped onto 0..1: 0 up to VECTOR_FLOOR."""
    return min(max((cosine - VECTOR_FLOOR) / (VECTOR_FULL - VECTOR_FLOOR), 0.0), 1.0)


def blend(*, cosine: float, word: float, exact: float) -> float:
    """The similar search's one score, from 0 to 1: the weighted mean of the vector and
    word scores, lifted towards 1 by the share of exact tokens the title carries."""
    base = VECTOR_WEIGHT * vector_score(cosine) + (1 - VECTOR_WEIGHT) * word
    return round(base + EXACT_LIFT * exact * (1 - base), 3)


def codes(text: str) -> frozenset[str]:
    """The exact tokens of `text` that hold a digit: error codes, versions, numbers."""
    return frozenset(t for t in exact_tokens(text) if any(ch.isdigit() for ch in t))


def pair_score(*, cosine: float, first: str, second: str) -> float:
    """How likely two requests with these titles (and this cosine of their vectors) are
    the same wish, 0 to 1: the search's blend of the vector and word scores, the word
    score taken both ways. Without the exact-token lift: two wishes about one product
    ("Export deals to XLSX", "Contact import from XLSX skips rows") share its name and are
    still two wishes. And two titles naming different codes (E-4012 and E-4013, 23.1 and
    24.3) are different wishes, however alike the rest of their words: 0."""
    first_codes, second_codes = codes(first), codes(second)
    if first_codes and second_codes and first_codes.isdisjoint(second_codes):
        return 0.0
    word = (similarity(first, second) + similarity(second, first)) / 2
    return blend(cosine=cosine, word=word, exact=0.0)


_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
# A link says nothing of its writer's language.
_URL = re.compile(r"\S+://\S+")
_LATIN_LETTER = re.compile(r"[A-Za-z]")


def message_language(text: str) -> str | None:
    """The language a customer's message is written in, by its script: Japanese if it has
    kana or kanji, Russian if it has Cyrillic, English if it has Latin letters; None when
    it has no letters at all (a number, an emoji, a link), and the caller's default decides."""
    if CJK.search(text):
        return Language.JA
    if _CYRILLIC.search(text):
        return Language.RU
    if _LATIN_LETTER.search(_URL.sub("", text)):
        return Language.EN
    return None


def title_language(text: str) -> str:
    """The language a title is written in, by its script: Japanese if it has kana or kanji,
    Russian if it has Cyrillic, else English. Product names and codes are written in Latin
    letters in every language, so Latin decides only when nothing else is there."""
    if CJK.search(text):
        return Language.JA
    if _CYRILLIC.search(text):
        return Language.RU
    return Language.EN
