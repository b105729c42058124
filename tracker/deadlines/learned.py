"""The learned layer of the deadline guard: a linear model that scores each sentence.

The rules (english.py, russian.py, japanese.py) know categories and quote the exact phrase,
but a wording their lexicon lacks gets through, and a feature described with time words can
trip them. This layer reads what the rules cannot enumerate: a logistic regression over
character n-grams and word n-grams of one sentence, trained on the labelled set
(tests/data/deadline_notes.jsonl) by `python -m tracker.deadlines.train`, its weights in
`learned.json` beside this file. At run time it needs numpy (already the similar search's).

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
  sentences (`Model.scores`: character n-grams hashed and looked up with numpy), a
  2,000-character note costs about half a millisecond.

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

import numpy as np

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
# A NUL is a space to the model: `scores` joins sentences with it.
_WHITE = re.compile(r"[\s\x00]")
_WORD_OR_BREAK = re.compile(_WORD.pattern + "|\x00")
# An n-gram's hash: its characters' code points as the digits of a number in this base,
# modulo 2**64 (numpy's unsigned integers wrap around). Two n-grams sharing one is a chance
# of about 1 in 10**10 among the weights (a test checks theirs are distinct); an unknown
# n-gram taking a known one's weight, far less.
_BASE = np.uint64(0x9E3779B97F4A7C15)


def _hash(codes: np.ndarray, n: int) -> np.ndarray:
    """The hash of the n-gram that starts at each position of `codes` (uint64 code points)."""
    count = len(codes) - n + 1
    found = codes[:count].copy()
    for i in range(1, n):
        found = found * _BASE + codes[i : i + count]
    # Once more, so that the top bits (the slot in `_Table`) depend on the last character too.
    return found * _BASE


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


class _Table:
    """Weights by hash, looked up for a whole array of hashes at once: open addressing with
    linear probing in a table four times the size of the keys, so that a look-up is a few
    vectorised gathers (as many as the longest run of probes, about five) where a sorted
    array's binary search costs several times more."""

    def __init__(self, hashes: np.ndarray, values: np.ndarray) -> None:
        bits = max(4, int(len(hashes) * 4).bit_length())
        self.shift, self.mask = np.uint64(64 - bits), (1 << bits) - 1
        self.keys = np.zeros(1 << bits, np.uint64)  # 0: empty (no n-gram hashes to 0)
        self.values = np.zeros(1 << bits)
        self.probes = 1
        for key, value in zip(hashes.tolist(), values.tolist(), strict=True):
            slot, probe = key >> int(self.shift), 1
            while self.keys[slot]:
                slot, probe = (slot + 1) & self.mask, probe + 1
            self.keys[slot], self.values[slot] = key, value
            self.probes = max(self.probes, probe)

    def get(self, hashes: np.ndarray) -> np.ndarray:
        """The weight of each hash, 0 for an unknown one."""
        first = (hashes >> self.shift).astype(np.int64)
        found = np.zeros(len(hashes))
        for probe in range(self.probes):
            slot = (first + probe) & self.mask
            found += np.where(self.keys[slot] == hashes, self.values[slot], 0.0)
        return found


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
        are normalised into one string; its character n-grams are hashed and looked up all at
        once with numpy (`_grams`), and its words in one pass (`_word_sums`); a sentence's sum
        is a difference of prefix sums (an n-gram that would run from one sentence into the
        next is left out, as `score` never sees it)."""
        lowered = _plain(text)
        parts = [" " + lowered[low:high].strip() + " " for low, high in spans]
        bounds = np.fromiter(accumulate(map(len, parts), initial=0), np.int64, len(parts) + 1)
        lows, highs = bounds[:-1], bounds[1:]
        codes = np.frombuffer("".join(parts).encode("utf-32-le"), np.uint32).astype(np.uint64)
        totals = np.zeros(len(parts))
        counts = np.zeros(len(parts), np.int64)
        for n, table in self._grams.items():
            if len(codes) < n:
                continue
            weights = table.get(_hash(codes, n))
            prefix = np.concatenate(([0.0], np.cumsum(weights)))
            last = np.maximum(lows, highs - n + 1)
            totals += prefix[last] - prefix[lows]
            counts += last - lows
        words, pairs, many = self._word_sums(parts)
        totals += words + pairs
        counts += np.where(many > 0, 2 * many - 1, 0)
        scored = self.bias + totals / np.sqrt(np.maximum(counts, 1))
        return list(np.where(counts > 0, scored, self.bias).tolist())

    def _word_sums(self, parts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per sentence: the weights of its words, of its pairs of words, and how many words.
        One pass over the sentences joined by a break (a NUL, which `_plain` never leaves in a
        text): a pair with the break in it has no weight, so no pair runs across sentences."""
        tokens = _WORD_OR_BREAK.findall("\x00".join(parts) + "\x00")
        word, pair = self._words.get, self._pairs.get
        prefix_words = np.fromiter(
            accumulate(map(word, tokens, repeat(0.0)), initial=0.0), float, len(tokens) + 1
        )
        prefix_pairs = np.fromiter(
            accumulate(map(pair, pairwise(tokens), repeat(0.0)), initial=0.0), float, len(tokens)
        )
        breaks = np.flatnonzero(np.fromiter(map("\x00".__eq__, tokens), bool, len(tokens)))
        starts = np.concatenate(([0], breaks[:-1] + 1))
        # Sentence i holds tokens starts[i] .. breaks[i] - 1, and the pairs that start there
        # but the last one's (which ends in the break).
        words = prefix_words[breaks] - prefix_words[starts]
        pairs = prefix_pairs[np.maximum(breaks - 1, starts)] - prefix_pairs[starts]
        return words, pairs, breaks - starts

    # The weights split by kind, for `scores`: character n-grams by length (as hash tables),
    # words, pairs of words.
    @cached_property
    def _grams(self) -> dict[int, _Table]:
        result = {}
        for n in _GRAMS:
            grams = [k for k in self.weights if not k.startswith("\x01") and len(k) == n]
            codes = np.frombuffer("".join(grams).encode("utf-32-le"), np.uint32)
            hashes = _hash(codes.astype(np.uint64), n)[::n]
            result[n] = _Table(hashes, np.array([self.weights[k] for k in grams], dtype=float))
        return result

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
