"""The learned layer of the deadline guard: a linear model that scores each sentence.

The rules (english.py, russian.py, japanese.py) know categories and quote the exact phrase,
but a wording their lexicon lacks gets through, and a feature described with time words can
trip them. This layer reads what the rules cannot enumerate: a logistic regression over
character n-grams and word n-grams of one sentence, trained on the labelled set
(tests/data/deadline_notes.jsonl) by `python -m tracker.deadlines.train`, its weights in
`learned.json` beside this file. It needs nothing but the standard library at run time.

- **Sentences.** A note is cut into sentences (`.`, `!`, `?`, `。`, `！`, `？`, line breaks),
  each scored on its own, so the sentence at fault can be quoted.
- **Features**, read from the lowercased sentence with every digit written as 0 (so "in 3
  weeks" and "in 5 weeks" are one wording): character 3- and 4-grams, which see Russian
  case endings and Japanese particles without a dictionary; and word unigrams and bigrams,
  where a Japanese "word" is a run of one script (kanji, hiragana, katakana), the cheap
  tokenization that needs no spaces ("正月明けに" is 正月 · 明 · けに). Two-character
  n-grams were tried and dropped: no better in cross-validation, and a third slower.
- **Score**: the sum of the weights of the features, each as often as it occurs, divided by
  the square root of how many there are, plus the bias. Read as one pass over the note's
  sentences (`Model.scores`), a 2,000-character note costs about a millisecond.

`find_date_phrase` (in `__init__`) combines it with the rules: a rule's phrase is refused
unless the model is sure its sentence is ordinary (score below `veto`), and a sentence the
rules found nothing in is refused when its score reaches `refuse`.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache, cached_property
from itertools import accumulate, pairwise, repeat
from pathlib import Path

from tracker.deadlines.rules import lowercase

WEIGHTS = Path(__file__).with_name("learned.json")

# A sentence ends at . ! ? (followed by a space or the end), at 。！？, or at a line break.
_SENTENCE = re.compile(
    r"[^\n.!?。！？]*(?:[.!?](?![\s.!?]|$)[^\n.!?。！？]*)*(?:[.!?]+|[。！？]+|\n|$)"
)
_DIGIT = re.compile(r"\d")
# Words: Latin and Cyrillic letters and digits; in Japanese, a run of one script.
_WORD = re.compile(r"[0-9a-zа-яё_]+|[\u3400-\u9fff々〆ヶ]+|[\u3041-\u309f]+|[\u30a1-\u30ffー]+")
_GRAMS = {n: re.compile(rf"(?=(.{{{n}}}))", re.DOTALL) for n in (3, 4)}
_WHITE = re.compile(r"\s")


def _plain(text: str) -> str:
    """Lowercased letter for letter, every digit a 0, every white space a space: the same
    length as `text`, so spans stay the same. (Regular expressions, not str.translate,
    which reads non-Latin text character by character in Python.)"""
    return _WHITE.sub(" ", _DIGIT.sub("0", lowercase(text)))


def normalize(sentence: str) -> str:
    """`_plain`, with one space at each end."""
    return " " + _plain(sentence).strip() + " "


def _words(normalized: str) -> list[str]:
    words = _WORD.findall(normalized)
    return ["\x01" + word for word in words] + [f"\x01{a}\x01{b}" for a, b in pairwise(words)]


def features(sentence: str) -> list[str]:
    """The n-grams of one sentence, each as often as it occurs: characters as they are,
    words marked with \\x01."""
    text = normalize(sentence)
    found = [gram for pattern in _GRAMS.values() for gram in pattern.findall(text)]
    return found + _words(text)


def sentences(text: str) -> list[tuple[int, int]]:
    """The spans of the sentences of `text` that hold a letter or a digit."""
    spans = []
    for match in _SENTENCE.finditer(text):
        if match.end() > match.start() and any(c.isalnum() for c in match.group()):
            spans.append((match.start(), match.end()))
    return spans


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    # A rule's phrase stands unless its sentence scores below `veto`; a sentence with no
    # rule's phrase is refused from `refuse` up.
    veto: float
    refuse: float

    def score(self, sentence: str) -> float:
        """The score of one sentence, feature by feature (what training sees)."""
        found = features(sentence)
        total = math.fsum(map(self.weights.get, found, repeat(0.0)))
        return self.bias + total / math.sqrt(len(found)) if found else self.bias

    def scores(self, text: str, spans: list[tuple[int, int]]) -> list[float]:
        """The score of each sentence of `text`, as `score` gives it, but fast: the sentences
        are normalised into one string, each n-gram length is looked up in one pass over it,
        and a sentence's sum is a difference of prefix sums (an n-gram that would run from one
        sentence into the next is left out, as `score` never sees it)."""
        lowered = _plain(text)
        parts = [" " + lowered[low:high].strip() + " " for low, high in spans]
        joined = "".join(parts)
        bounds = list(accumulate(map(len, parts), initial=0))
        totals = [0.0] * len(parts)
        counts = [0] * len(parts)
        get = self._chars.get
        for n, pattern in _GRAMS.items():
            prefix = list(accumulate(map(get, pattern.findall(joined), repeat(0.0)), initial=0.0))
            for i, (low, high) in enumerate(pairwise(bounds)):
                last = max(low, high - n + 1)
                totals[i] += prefix[last] - prefix[low]
                counts[i] += last - low
        word, pair = self._words.get, self._pairs.get
        result = []
        for part, total, count in zip(parts, totals, counts, strict=True):
            words = _WORD.findall(part)
            total += sum(map(word, words, repeat(0.0)))
            total += sum(map(pair, pairwise(words), repeat(0.0)))
            count += 2 * len(words) - 1 if words else 0
            result.append(self.bias + total / math.sqrt(count) if count else self.bias)
        return result

    # The weights split by kind, for `scores`: character n-grams, words, pairs of words.
    @cached_property
    def _chars(self) -> dict[str, float]:
        return {k: v for k, v in self.weights.items() if not k.startswith("\x01")}

    @cached_property
    def _words(self) -> dict[str, float]:
        return {k[1:]: v for k, v in self.weights.items() if k.count("\x01") == 1}

    @cached_property
    def _pairs(self) -> dict[tuple[str, str], float]:
        pairs = (k[1:].split("\x01") for k in self.weights if k.count("\x01") == 2)
        return {(a, b): self.weights[f"\x01{a}\x01{b}"] for a, b in pairs}

    def to_json(self) -> str:
        return json.dumps(
            {
                "bias": round(self.bias, 5),
                "veto": self.veto,
                "refuse": self.refuse,
                "weights": {k: round(v, 4) for k, v in sorted(self.weights.items())},
            },
            ensure_ascii=False,
            indent=0,
        )


@cache
def model() -> Model:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    return Model(data["weights"], data["bias"], data["veto"], data["refuse"])
