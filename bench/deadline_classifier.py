"""Experiment: a classifier over the multilingual sentence encoder, beside the rules of the
deadline guard. Trains, measures, times; ships nothing.

    .venv/bin/python -m bench.deadline_classifier [--l2 1e-4] [--steps 3000]

A logistic regression (numpy, plain gradient descent) over Google's multilingual Universal
Sentence Encoder (the same encoder as `tracker.embeddings.use`): trained on each whole note
of every part the rules were tuned on (`tuning`, `held_out` ... `held_out_3`), it scores
each sentence of a note, and a note is a promise when its highest sentence scores above a
threshold. It prints:

1. five-fold cross-validation on the parts trained on, folds by family of phrasing (a family
   is never in both the training and the measured fold), for several thresholds: how the
   threshold was chosen, without looking at `held_out_4`;
2. on `held_out_4`, never trained or tuned on: the rules, the classifier at thresholds 0
   and 1, the rules or the confident classifier (threshold 2), the rules and the classifier;
3. how long the classifier takes for a 2,000-character note, batch-encoding its sentences.

The results, and why the guard stays rules only, are in docs/deadline-guard.md. It takes a
few minutes (encoding about 1,900 sentences, then training six times). It needs no database.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time
from pathlib import Path

# One BLAS thread: training on a shared machine with more threads only makes it slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # after the thread settings, which numpy reads on import

ROOT = Path(__file__).resolve().parent.parent
HELD_OUT = "held_out_4"
LANGUAGES = ("en", "ru", "ja")
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")


def sentences(text: str) -> list[str]:
    return [part for part in SENTENCE_END.split(text) if part.strip()]


def train(x: np.ndarray, y: np.ndarray, *, l2: float, steps: int) -> tuple[np.ndarray, float]:
    """Logistic regression by gradient descent: weights and bias."""
    w, b = np.zeros(x.shape[1]), 0.0
    for _ in range(steps):
        p = 1 / (1 + np.exp(-(x @ w + b)))
        g = p - y
        w -= 0.5 * (x.T @ g / len(y) + l2 * w)
        b -= 0.5 * float(g.mean())
    return w, b


def figures(name: str, refused: np.ndarray, y: np.ndarray, lang: np.ndarray) -> None:
    row = []
    for language in LANGUAGES:
        promises, ordinary = (lang == language) & (y == 1), (lang == language) & (y == 0)
        row.append(f"{language} {refused[promises].mean():6.1%} / {refused[ordinary].mean():5.1%}")
    print(f"{name:<42} {'   '.join(row)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--steps", type=int, default=3_000)
    options = parser.parse_args(argv)

    from tracker.deadlines import find_date_phrase
    from tracker.deadlines.evaluate import load
    from tracker.embeddings.use import UniversalSentenceEncoder

    encoder = UniversalSentenceEncoder()
    notes = load()
    y = np.array([note.promise for note in notes], dtype=float)
    lang = np.array([note.language for note in notes])
    family = np.array([note.family for note in notes])
    trained_on = np.array([note.split != HELD_OUT for note in notes])
    # The rules alone: the guard as it was when this experiment was run.
    rules = np.array([find_date_phrase(note.text, sentences=False) is not None for note in notes])

    whole = encoder.encode([note.text for note in notes])
    parts = [(i, s) for i, note in enumerate(notes) for s in sentences(note.text)]
    owner = np.array([i for i, _ in parts])
    by_sentence = encoder.encode([s for _, s in parts])

    def scores(w: np.ndarray, b: float) -> np.ndarray:
        """Each note's highest sentence score."""
        best = np.full(len(notes), -np.inf)
        np.maximum.at(best, owner, by_sentence @ w + b)
        return best

    families = np.unique(family[trained_on])
    np.random.RandomState(15).shuffle(families)
    cross = np.zeros(len(notes))
    for fold in np.array_split(families, 5):
        measured = trained_on & np.isin(family, fold)
        w, b = train(whole[trained_on & ~measured], y[trained_on & ~measured], **vars(options))
        cross[measured] = scores(w, b)[measured]
    print(f"1. cross-validation by family on the parts trained on (l2={options.l2:g})")
    print(f"{'':<42} promises refused / ordinary notes refused")
    for threshold in (0, 1, 2, 3):
        m = trained_on
        figures(f"classifier, threshold {threshold}", cross[m] > threshold, y[m], lang[m])

    w, b = train(whole[trained_on], y[trained_on], **vars(options))
    final = scores(w, b)
    m = ~trained_on
    print(f"\n2. {HELD_OUT}, never trained or tuned on")
    figures("rules (the guard as it is)", rules[m], y[m], lang[m])
    figures("classifier, threshold 0", final[m] > 0, y[m], lang[m])
    figures("classifier, threshold 1", final[m] > 1, y[m], lang[m])
    figures("rules or classifier at threshold 2", (rules | (final > 2))[m], y[m], lang[m])
    figures("rules and classifier at threshold 0", (rules & (final > 0))[m], y[m], lang[m])

    ordinary = " ".join(note.text for note in notes if not note.promise and note.language == "en")
    note_sentences = sentences(ordinary[:2_000])
    times = []
    for _ in range(7):
        start = time.perf_counter()
        encoder.encode(note_sentences) @ w
        times.append((time.perf_counter() - start) * 1000)
    print(
        f"\n3. a 2,000-character note ({len(note_sentences)} sentences, batch-encoded): "
        f"median {statistics.median(times):.0f} ms, the guard's budget is 5 ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
