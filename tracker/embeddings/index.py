"""Every request's vector in one float32 matrix, held in a process's memory, so that one
matrix-vector product scores a query against all requests at once: about 15 ms for
100,000 requests of 512 dimensions on one core, 2 KB a request (docs/similar.md).

From COARSE_FROM requests on, the matrix also has a coarse copy: every vector projected
onto the 192 directions along which the requests' vectors vary most. The nearest are then
found in two steps: the coarse copy (three eighths of the memory to read) picks COARSE_KEEP
candidates, and their full vectors give the exact cosines. At 100,000 requests 99.9% of the
exact 50 nearest are among the 1,000 kept (128 directions kept 99.5%, and lost two of the
test sets' 77 queries), and the search reads 0.4 times the memory (docs/similar.md)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from tracker.embeddings import Encoder

_threadpool = ThreadpoolController()

COARSE_FROM = 20_000
COARSE_DIMENSIONS = 192
COARSE_KEEP = 1000


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
    # The coarse copy, row for row, and the directions it projects onto (width × 192).
    coarse: np.ndarray | None = None
    basis: np.ndarray | None = None

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

    def nearest_to(self, vector: np.ndarray, k: int, *, above: float = -1.0) -> dict[int, float]:
        """The `k` requests nearest `vector` whose cosine is above `above`, best first, with
        their exact cosines; through the coarse copy when there is one."""
        vector = np.asarray(vector, dtype=np.float32)
        if self.coarse is None or self.basis is None or len(self) <= COARSE_KEEP:
            cosines = self.cosines(vector)
            return self.cosine_of(cosines, self.nearest(cosines, k, above=above))
        with _threadpool.limit(limits=1, user_api="blas"):
            kept = top_rows(self.coarse @ (vector @ self.basis), COARSE_KEEP)
            exact = self.matrix[kept] @ vector
        return {
            int(self.numbers[kept[i]]): float(exact[i]) for i in top_rows(exact, k, above=above)
        }

    def cosines_of(self, vector: np.ndarray, numbers: Iterable[int]) -> dict[int, float]:
        """The exact cosines of `vector` with these requests; one without a vector is left
        out."""
        found = [(n, row) for n in numbers if (row := self.row_of(n)) is not None]
        if not found:
            return {}
        exact = self.matrix[[row for _, row in found]] @ np.asarray(vector, dtype=np.float32)
        return {n: float(c) for (n, _), c in zip(found, exact, strict=True)}

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


def principal_directions(
    matrix: np.ndarray, dimensions: int, *, sample: int = 20_000
) -> np.ndarray:
    """The `dimensions` directions along which the rows of `matrix` vary most, as a
    (width, dimensions) matrix. Not centred: projecting onto them keeps dot products, which
    is what the coarse copy needs. From a sample of the rows: 0.3 s for 20,000."""
    if len(matrix) > sample:
        rng = np.random.default_rng(0)
        matrix = matrix[np.sort(rng.choice(len(matrix), sample, replace=False))]
    gram = (matrix.T @ matrix).astype(np.float64)
    _, vectors = np.linalg.eigh(gram)  # ascending eigenvalues
    return np.ascontiguousarray(vectors[:, ::-1][:, :dimensions], dtype=np.float32)


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
