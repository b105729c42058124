"""Every request's vector in one float32 matrix, held in a process's memory, so that one
matrix-vector product scores a query against all requests at once: about 15 ms for
100,000 requests of 512 dimensions on one core, 2 KB a request (docs/similar.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from tracker.embeddings import Encoder

_threadpool = ThreadpoolController()


@dataclass(frozen=True)
class RequestVectors:
    """Row i of `matrix` is the unit vector of request `numbers[i]`, made from the text
    whose `text_hash` is `hashes[i]` (empty when unknown)."""

    numbers: np.ndarray
    matrix: np.ndarray
    hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="S32"))
    # number -> row; may know rows past this snapshot's end (see VectorCache), so every
    # look-up checks the row is inside it.
    rows: Mapping[int, int] = field(default_factory=dict)

    @classmethod
    def of(
        cls, numbers: Sequence[int], vectors: np.ndarray, hashes: Sequence[str] | None = None
    ) -> RequestVectors:
        if len(numbers) != len(vectors):
            raise ValueError(f"{len(numbers)} numbers for {len(vectors)} vectors")
        order = np.argsort(np.asarray(numbers, dtype=np.int64), kind="stable")
        ordered = np.asarray(numbers, dtype=np.int64)[order]
        return cls(
            numbers=ordered,
            matrix=np.ascontiguousarray(np.asarray(vectors, dtype=np.float32)[order]),
            hashes=(
                np.asarray(hashes, dtype="S32")[order]
                if hashes is not None
                else np.zeros(0, dtype="S32")
            ),
            rows={int(n): row for row, n in enumerate(ordered)},
        )

    def __len__(self) -> int:
        return len(self.numbers)

    def row_of(self, number: int) -> int | None:
        row = self.rows.get(number)
        return row if row is not None and row < len(self.numbers) else None

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
        return [int(self.numbers[row]) for row in top_rows(cosines, k, above=above)]

    def cosine_of(self, cosines: np.ndarray, numbers: Iterable[int]) -> dict[int, float]:
        """The cosines of these requests; a request without a vector is left out."""
        found = {}
        for number in numbers:
            row = self.row_of(number)
            if row is not None:
                found[number] = float(cosines[row])
        return found

    def made_from(self, number: int, text_hash: str) -> bool:
        """Whether request `number`'s vector was made from the text with this hash: a
        vector of words since edited is stale. Without known hashes, every vector is."""
        row = self.row_of(number)
        if row is None:
            return False
        if row >= len(self.hashes):
            return True
        return bool(self.hashes[row] == text_hash.encode())


def top_rows(cosines: np.ndarray, k: int, *, above: float = -1.0) -> np.ndarray:
    """The rows of the `k` highest `cosines` above `above`, best first."""
    if k <= 0 or not len(cosines):
        return np.zeros(0, dtype=np.int64)
    rows = np.argpartition(-cosines, k)[:k] if k < len(cosines) else np.arange(len(cosines))
    rows = rows[cosines[rows] > above]
    return rows[np.argsort(-cosines[rows], kind="stable")]


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


def request_text(title: str, description: str) -> RequestText:
    """What a request's vector is made of, from its columns: the one place that says so."""
    return RequestText(titles=(title,), description=description)


def text_hash(text: RequestText) -> str:
    """A short fingerprint of what a vector is made of: 128 bits of SHA-256."""
    joined = "\x1f".join(text.titles) + "\x1e" + text.description
    return hashlib.sha256(joined.encode()).hexdigest()[:32]
