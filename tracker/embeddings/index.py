"""Every request's vector in one float32 matrix, held in a process's memory, so that one
matrix-vector product scores a query against all requests at once: about 15 ms for
100,000 requests of 512 dimensions on one core, 2 KB a request (docs/similar.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from tracker.embeddings import Encoder

_threadpool = ThreadpoolController()


@dataclass(frozen=True)
class RequestVectors:
    """Row i of `matrix` is the unit vector of request `numbers[i]`; numbers ascend."""

    numbers: np.ndarray
    matrix: np.ndarray

    @classmethod
    def of(cls, numbers: Sequence[int], vectors: np.ndarray) -> RequestVectors:
        if len(numbers) != len(vectors):
            raise ValueError(f"{len(numbers)} numbers for {len(vectors)} vectors")
        order = np.argsort(np.asarray(numbers, dtype=np.int64), kind="stable")
        return cls(
            numbers=np.asarray(numbers, dtype=np.int64)[order],
            matrix=np.ascontiguousarray(np.asarray(vectors, dtype=np.float32)[order]),
        )

    def __len__(self) -> int:
        return len(self.numbers)

    def cosines(self, vector: np.ndarray) -> np.ndarray:
        """The cosine of `vector` with every request, in the order of `numbers`."""
        if not len(self):
            return np.zeros(0, dtype=np.float32)
        # One BLAS thread: on a busy machine two threads were slower than one.
        with _threadpool.limit(limits=1, user_api="blas"):
            return self.matrix @ np.asarray(vector, dtype=np.float32)

    def nearest(self, cosines: np.ndarray, k: int, *, above: float = -1.0) -> list[int]:
        """The numbers of the `k` requests with the highest cosines, best first, of those
        whose cosine is above `above`."""
        if k <= 0 or not len(cosines):
            return []
        rows = np.argpartition(-cosines, k)[:k] if k < len(cosines) else np.arange(len(cosines))
        rows = rows[cosines[rows] > above]
        rows = rows[np.argsort(-cosines[rows], kind="stable")]
        return [int(n) for n in self.numbers[rows]]

    def cosine_of(self, cosines: np.ndarray, numbers: Iterable[int]) -> dict[int, float]:
        """The cosines of these requests; a request without a vector is left out."""
        wanted = np.fromiter(numbers, dtype=np.int64)
        rows = np.searchsorted(self.numbers, wanted)
        rows = np.minimum(rows, max(len(self.numbers) - 1, 0))
        found = {}
        if len(self.numbers):
            for number, row in zip(wanted, rows, strict=True):
                if self.numbers[row] == number:
                    found[int(number)] = float(cosines[row])
        return found


# A description says more than the wish (steps, context); it counts half as much as a title.
DESCRIPTION_WEIGHT = 0.5


@dataclass(frozen=True)
class RequestText:
    """What a request's vector is made of: its titles (the title and any public title in
    another language) and its description."""

    titles: tuple[str, ...]
    description: str = ""


def embed_requests(requests: Sequence[RequestText], encoder: Encoder) -> np.ndarray:
    """One unit vector per request, shape (len(requests), encoder.dimension): the mean of
    its titles' vectors and, at half weight, its description's, renormalised. Each
    distinct text is encoded once, all in one batch."""
    texts = list(
        dict.fromkeys(t for r in requests for t in (*r.titles, r.description) if t.strip())
    )
    vectors = dict(zip(texts, encoder.encode(texts), strict=True)) if texts else {}
    out = np.zeros((len(requests), encoder.dimension), dtype=np.float32)
    for row, request in zip(out, requests, strict=True):
        for title in request.titles:
            if title.strip():
                row += vectors[title]
        if request.description.strip():
            row += DESCRIPTION_WEIGHT * vectors[request.description]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return out / np.where(norms > 0, norms, 1.0)
