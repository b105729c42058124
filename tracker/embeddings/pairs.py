"""The duplicates queue: pairs of open requests that are likely the same wish.

Comparing every request with every other is 100,000 × 100,000 cosines at our scale, two
minutes of one core: far too slow for a page. So pairs are found when vectors are made
(each new or re-made vector against every open request's, 15 ms at 100,000) and stored in
LikelyDuplicate; the queue page reads the strongest from an index (docs/similar.md)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

from tracker.choices import OPEN_STATUSES
from tracker.embeddings.index import RequestVectors, top_rows
from tracker.embeddings.store import batches
from tracker.errors import NotFound
from tracker.models import FeatureRequest, LikelyDuplicate
from tracker.relevance import pair_score

# Each request is paired with at most its NEIGHBOURS nearest open requests whose cosine
# is above PAIR_COSINE, and a pair is kept when its blended score reaches PAIR_SIMILARITY
# (measured on the test sets: docs/similar.md).
NEIGHBOURS = 5
PAIR_COSINE = 0.35
PAIR_SIMILARITY = 0.4
# Rows compared with the whole matrix at a time: 256 × 100,000 cosines is 100 MB.
BLOCK = 256
# With a coarse copy, how many of each row's coarse nearest are scored exactly.
COARSE_PAIRS = 50

_threadpool = ThreadpoolController()


def open_numbers() -> np.ndarray:
    return np.fromiter(
        FeatureRequest.objects.open().values_list("number", flat=True), dtype=np.int64
    )


def find_pairs(
    numbers: Sequence[int], vectors: RequestVectors, among: np.ndarray
) -> dict[tuple[int, int], float]:
    """The candidate pairs of these requests among the requests `among` (open ones), each
    with its cosine: every request's nearest, one block of rows at a time. With a coarse
    copy, the block is compared with it first and each row's best COARSE_PAIRS are scored
    exactly (a quarter of the work)."""
    usable = np.isin(vectors.numbers, among)
    rows = [r for n in numbers if (r := vectors.row_of(n)) is not None and usable[r]]
    found: dict[tuple[int, int], float] = {}
    coarse = vectors.coarse
    for block in batches(rows, BLOCK):
        with _threadpool.limit(limits=1, user_api="blas"):
            if coarse is None:
                cosines = vectors.matrix[list(block)] @ vectors.matrix.T
            else:
                cosines = coarse[list(block)] @ coarse.T
        cosines[:, ~usable] = -1.0
        cosines[np.arange(len(block)), list(block)] = -1.0
        for i, row in enumerate(block):
            if coarse is None:
                others, exact = np.arange(len(vectors)), cosines[i]
            else:
                others = top_rows(cosines[i], COARSE_PAIRS)
                others = others[usable[others] & (others != row)]
                exact = vectors.matrix[others] @ vectors.matrix[row]
            number = int(vectors.numbers[row])
            for j in top_rows(exact, NEIGHBOURS, above=PAIR_COSINE):
                other = int(vectors.numbers[others[j]])
                found[(min(number, other), max(number, other))] = float(exact[j])
    return found


def score_pairs(candidates: dict[tuple[int, int], float]) -> list[LikelyDuplicate]:
    """The candidates that are likely the same wish, scored by their titles and cosine."""
    numbers = {n for pair in candidates for n in pair}
    titles = dict(FeatureRequest.objects.filter(number__in=numbers).values_list("number", "title"))
    now = timezone.now()
    kept = []
    for (first, second), cosine in candidates.items():
        if first not in titles or second not in titles:
            continue
        score = pair_score(cosine=cosine, first=titles[first], second=titles[second])
        if score >= PAIR_SIMILARITY:
            kept.append(
                LikelyDuplicate(first_id=first, second_id=second, similarity=score, found_at=now)
            )
    return kept


def pairs_refresh(*, numbers: Sequence[int], vectors: RequestVectors) -> int:
    """Find again the pairs of requests whose vectors were just made; returns how many
    pairs they are in now. Their earlier pairs go (their text may have changed); a pair
    dismissed as "not the same" stays, and is not offered again."""
    found = score_pairs(find_pairs(numbers, vectors, open_numbers()))
    with transaction.atomic():
        LikelyDuplicate.objects.filter(dismissed_at__isnull=True).filter(
            Q(first__in=numbers) | Q(second__in=numbers)
        ).delete()
        LikelyDuplicate.objects.bulk_create(found, ignore_conflicts=True)
    return len(found)


def pairs_rebuild(
    *, vectors: RequestVectors, on_block: Callable[[int], object] | None = None
) -> int:
    """Find every open request's pairs afresh (dismissed pairs stay dismissed)."""
    among = open_numbers()
    numbers = [int(n) for n in vectors.numbers[np.isin(vectors.numbers, among)]]
    LikelyDuplicate.objects.filter(dismissed_at__isnull=True).delete()
    total = 0
    for block in batches(numbers, BLOCK * 4):
        found = score_pairs(find_pairs(block, vectors, among))
        LikelyDuplicate.objects.bulk_create(found, ignore_conflicts=True)
        total += len(found)
        if on_block:
            on_block(len(block))
    return total


# --- the queue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuePage:
    pairs: list[LikelyDuplicate]
    has_next: bool


def likely_duplicates(*, offset: int = 0, limit: int = 50) -> QueuePage:
    """Pairs of open requests likely the same wish, strongest first, not dismissed. Walks
    the queue's index from the top, so a page costs the same at any table size."""
    rows = list(
        LikelyDuplicate.objects.filter(
            dismissed_at__isnull=True,
            first__status__in=OPEN_STATUSES,
            second__status__in=OPEN_STATUSES,
        )
        .select_related("first", "second")
        .order_by("-similarity", "first", "second")[offset : offset + limit + 1]
    )
    return QueuePage(pairs=rows[:limit], has_next=len(rows) > limit)


@transaction.atomic
def pair_dismiss(*, first: int, second: int, by: User | None = None) -> LikelyDuplicate:
    """A product manager says two requests are not the same wish: the pair is kept,
    marked, and never offered again."""
    first, second = sorted((first, second))
    pair = (
        LikelyDuplicate.objects.select_for_update().filter(first_id=first, second_id=second).first()
    )
    if pair is None:
        raise NotFound(f"#{first} and #{second} are not a pair in the queue.")
    if pair.dismissed_at is None:
        pair.dismissed_at, pair.dismissed_by = timezone.now(), by
        pair.save(update_fields=["dismissed_at", "dismissed_by"])
    return pair
