"""Stored vectors: every request's vector in the database, and each process's copy of them.

A vector takes about 5 ms to make, too long for intake (docs/similar.md), so it is made
outside the request that logs a wish: by the notification worker's background thread
(tracker.embeddings.worker) or by `manage.py embed_requests`. Until then the request is
found by its words. Each process that searches keeps every stored vector of the configured
encoder in one matrix (`VectorCache`) and, before each search, reads only the rows stored
since it last looked, so every process on every machine searches the same vectors.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from tracker.embeddings import encoder_path, get_encoder, index
from tracker.embeddings.index import (
    RequestVectors,
    embed_requests,
    principal_directions,
    request_text,
    text_hash,
)
from tracker.models import FeatureRequest, RequestVector

# Requests embedded and stored at a time: one encoder batch, one short transaction.
BATCH = 256
# A process asks for the rows stored since its last look, less this much: a row is stamped
# by the database's clock a moment before its transaction commits, so a look can miss a
# row stamped just before it. The stamp and the look use the database's clock, so the
# machines' clocks do not matter.
SLACK = timedelta(seconds=2)
# Read in chunks when loading: a whole table of vectors is 2 KB a request.
CHUNK = 2000


def batches(numbers: Sequence[int], size: int = BATCH) -> Iterator[Sequence[int]]:
    for start in range(0, len(numbers), size):
        yield numbers[start : start + size]


# --- what needs a vector ------------------------------------------------------------------


def missing_numbers(*, after: int = 0) -> list[int]:
    """Requests numbered above `after` with no vector by the configured encoder, lowest
    number first."""
    made = RequestVector.objects.filter(request=OuterRef("number"), encoder=encoder_path())
    return list(
        FeatureRequest.objects.filter(~Exists(made), number__gt=after)
        .order_by("number")
        .values_list("number", flat=True)
    )


def stale_numbers() -> list[int]:
    """Requests whose title or description changed since their vector was made. Reads
    every request's text: a sweep, not a per-search check (about 0.3 s at 100,000)."""
    stale = []
    rows = (
        FeatureRequest.objects.filter(vector__encoder=encoder_path())
        .order_by("number")
        .values_list("number", "title", "description", "vector__text_hash")
    )
    for number, title, description, known in rows.iterator(chunk_size=5000):
        if text_hash(request_text(title, description)) != known:
            stale.append(number)
    return stale


def pending_numbers(*, sweep: bool = True, after: int = 0) -> list[int]:
    """Requests that need a vector made: missing ones numbered above `after`, and with
    `sweep` every missing and stale one."""
    if sweep:
        return sorted({*missing_numbers(), *stale_numbers()})
    return missing_numbers(after=after)


def newest_number() -> int:
    return FeatureRequest.objects.order_by("-number").values_list("number", flat=True).first() or 0


# --- making them --------------------------------------------------------------------------


def embed_numbers(
    numbers: Sequence[int],
    *,
    on_batch: Callable[[Sequence[int]], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> int:
    """Make and store the vectors of these requests, a batch at a time; `on_batch` is
    called with each batch's numbers once stored. Returns how many were stored."""
    if not numbers:
        return 0  # without loading the encoder: seconds, and 120 MB
    encoder, path = get_encoder(), encoder_path()
    stored = 0
    for batch in batches(numbers):
        if should_stop and should_stop():
            break
        rows = list(
            FeatureRequest.objects.filter(number__in=batch).values_list(
                "number", "title", "description"
            )
        )
        texts = [request_text(title, description) for _, title, description in rows]
        matrix = embed_requests(texts, encoder)
        made = [
            RequestVector(
                request_id=number,
                encoder=path,
                text_hash=text_hash(text),
                vector=vector.astype("<f4").tobytes(),
                embedded_at=timezone.now(),
            )
            for (number, _, _), text, vector in zip(rows, texts, matrix, strict=True)
        ]
        done = [row.request_id for row in made]
        with transaction.atomic():
            RequestVector.objects.bulk_create(
                made,
                update_conflicts=True,
                unique_fields=["request"],
                update_fields=["encoder", "text_hash", "vector", "embedded_at"],
            )
            # The database's clock, the same for writers on every machine (see SLACK).
            RequestVector.objects.filter(request_id__in=done).update(embedded_at=Now())
        stored += len(done)
        if on_batch:
            on_batch(done)
    return stored


# --- each process's copy ------------------------------------------------------------------


def database_now() -> datetime:
    """The database's clock, which stamps stored vectors (see SLACK)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT STATEMENT_TIMESTAMP()")
            at: datetime = cursor.fetchone()[0]
            return at
    # SQLite lives on one machine, whose clock its NOW is.
    return timezone.now()


def _microseconds(at: datetime) -> int:
    return int(at.timestamp() * 1_000_000)


class VectorCache:
    """One process's copy of the stored vectors of one encoder, refreshed incrementally.

    Rows live in preallocated arrays that grow by a quarter when full; a snapshot is a
    view of the rows filled so far, so a search in progress keeps its own while a refresh
    appends. A re-made vector overwrites its row in place."""

    def __init__(self, encoder: str, dimension: int) -> None:
        self.encoder = encoder
        self.dimension = dimension
        self._lock = threading.Lock()
        self._count = 0
        self._numbers = np.zeros(0, dtype=np.int64)
        self._matrix = np.zeros((0, dimension), dtype=np.float32)
        self._hashes = np.zeros(0, dtype="S32")
        self._stamps = np.zeros(0, dtype=np.int64)
        self._rows: dict[int, int] = {}
        self._coarse: np.ndarray | None = None
        self._basis: np.ndarray | None = None
        # The database's time when this copy last looked.
        self._looked: datetime | None = None

    def current(self) -> RequestVectors:
        """Every stored vector, with those stored since the last call read in first."""
        with self._lock:
            self._refresh()
            n = self._count
            return RequestVectors(
                numbers=self._numbers[:n],
                matrix=self._matrix[:n],
                hashes=self._hashes[:n],
                rows=self._rows,
                coarse=self._coarse[:n] if self._coarse is not None else None,
                basis=self._basis,
            )

    def _refresh(self) -> None:
        stored = RequestVector.objects.filter(encoder=self.encoder)
        since, self._looked = self._looked, database_now()
        if since is None:
            count = stored.count()
            self._reserve(count + count // 8)
            self._read(stored)
            self._project()
            return
        # Rows stamped within SLACK before the last look are seen again: most are known
        # already (same stamp) and only their number and stamp are read.
        recent = stored.filter(embedded_at__gt=since - SLACK).values_list(
            "request_id", "embedded_at"
        )
        changed = [number for number, at in recent if not self._has(number, at)]
        for batch in batches(changed, CHUNK):
            self._read(stored.filter(request_id__in=batch))
        self._project()

    def _project(self) -> None:
        """Make the coarse copy once there are enough rows for it to pay; its directions
        then stay, and each row stored later is projected onto them as it comes."""
        if self._basis is not None or self._count < index.COARSE_FROM:
            return
        n = self._count
        self._basis = principal_directions(self._matrix[:n], index.COARSE_DIMENSIONS)
        self._coarse = np.zeros((len(self._numbers), index.COARSE_DIMENSIONS), dtype=np.float32)
        np.matmul(self._matrix[:n], self._basis, out=self._coarse[:n])

    def _has(self, number: int, at: datetime) -> bool:
        row = self._rows.get(number)
        return row is not None and self._stamps[row] == _microseconds(at)

    def _read(self, rows: QuerySet[RequestVector]) -> None:
        for number, hashed, at, vector in rows.values_list(
            "request_id", "text_hash", "embedded_at", "vector"
        ).iterator(chunk_size=CHUNK):
            self._put(number, hashed, at, np.frombuffer(vector, dtype="<f4"))

    def _put(self, number: int, hashed: str, at: datetime, vector: np.ndarray) -> None:
        if len(vector) != self.dimension:
            return  # made by an encoder of the same name but another width: never used
        row = self._rows.get(number)
        if row is None:
            if self._count == len(self._numbers):
                self._reserve(self._count + 1)
            row = self._count
            self._numbers[row] = number
            self._count += 1
        self._matrix[row] = vector
        if self._coarse is not None and self._basis is not None:
            self._coarse[row] = vector @ self._basis
        self._hashes[row] = hashed.encode()
        self._stamps[row] = _microseconds(at)
        self._rows[number] = row

    def _reserve(self, wanted: int) -> None:
        if wanted <= len(self._numbers):
            return
        capacity = max(wanted, len(self._numbers) + len(self._numbers) // 4, 1024)
        n = self._count
        numbers = np.zeros(capacity, dtype=np.int64)
        matrix = np.zeros((capacity, self.dimension), dtype=np.float32)
        hashes = np.zeros(capacity, dtype="S32")
        stamps = np.zeros(capacity, dtype=np.int64)
        numbers[:n], matrix[:n] = self._numbers[:n], self._matrix[:n]
        hashes[:n], stamps[:n] = self._hashes[:n], self._stamps[:n]
        self._numbers, self._matrix, self._hashes, self._stamps = numbers, matrix, hashes, stamps
        if self._coarse is not None:
            coarse = np.zeros((capacity, self._coarse.shape[1]), dtype=np.float32)
            coarse[:n] = self._coarse[:n]
            self._coarse = coarse


_caches: dict[str, VectorCache] = {}
_caches_lock = threading.Lock()


def stored_vectors() -> RequestVectors:
    """This process's copy of every stored vector of the configured encoder, brought up
    to date: the first call reads them all (about 200 MB at 100,000 requests), later calls
    only what was stored since."""
    path = encoder_path()
    with _caches_lock:
        cache = _caches.get(path)
        if cache is None:
            cache = _caches[path] = VectorCache(path, get_encoder().dimension)
    return cache.current()


def forget_stored_vectors() -> None:
    """Drop this process's copies (tests roll the database back under them)."""
    with _caches_lock:
        _caches.clear()
