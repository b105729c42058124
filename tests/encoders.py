"""Encoders for tests of the plumbing. Tests of search quality use the real default."""

import hashlib

import numpy as np


class TextHashEncoder:
    """Knows no meaning: each distinct text gets its own pseudo-random unit vector, so the
    same text is found again and any two different texts are all but orthogonal (cosines
    within ±0.15, below the vector score's floor). With it, a search sees words only."""

    dimension = 1024

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in zip(out, texts, strict=True):
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")
            row[:] = np.random.default_rng(seed).standard_normal(self.dimension)
            row /= np.linalg.norm(row)
        return out


class NotAnEncoder:
    """Has no encode(): the setting naming it is a configuration error."""

    dimension = 3
