"""The background work that keeps every request's vector, and the duplicates queue, current.

`embed_pending` makes the vectors that are missing (new requests) or stale (edited text,
another encoder), then finds the pairs those requests are in. It runs in two places:

- in a thread of the notification worker (`embedding_alongside`), every couple of
  seconds; with several workers, on several machines, one at a time does it (a
  PostgreSQL advisory lock), and the others never load the encoder;
- in `manage.py embed_requests`, which an operator runs after loading data, or with
  `--all` after changing the encoder.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, connection

from tracker.embeddings.pairs import pairs_rebuild, pairs_refresh
from tracker.embeddings.store import (
    BATCH,
    embed_numbers,
    newest_number,
    pending_numbers,
    stored_vectors,
)
from tracker.models import FeatureRequest

logger = logging.getLogger(__name__)

# How often the worker's thread looks for requests without a vector, and how often it
# also reads every request's text to find edited ones (a sweep: 0.3 s at 100,000): the
# settings TRACKER_EMBED_POLL_SECONDS and TRACKER_EMBED_SWEEP_SECONDS (config/settings.py).
# The most the thread embeds before it looks at the lease and the stop flag again.
PASS_MAX = BATCH * 4
# pg_advisory_lock's key for "making vectors": any constant the application owns.
LEASE_KEY = 7_362_841_190_513


@dataclass
class Embedded:
    vectors: int = 0
    pairs: int = 0
    # Time spent making vectors, and finding pairs.
    vector_seconds: float = 0.0
    pair_seconds: float = 0.0


def embed_pending(
    *,
    sweep: bool = True,
    after: int = 0,
    most: int | None = None,
    on_batch: Callable[[int], object] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Embedded:
    """Make the vectors that are missing (of requests numbered above `after`; with
    `sweep`, of all, and the stale ones), at most `most`, and find those requests' pairs."""
    numbers = pending_numbers(sweep=sweep, after=after)[:most]
    return embed(numbers, on_batch=on_batch, should_stop=should_stop)


def embed(
    numbers: Sequence[int],
    *,
    on_batch: Callable[[int], object] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> Embedded:
    done = Embedded()
    began = time.perf_counter()

    def stored(batch: Sequence[int]) -> None:
        # Each batch is compared with every vector stored before it, itself included: a
        # pair is found by whichever of its two requests is embedded later.
        done.vectors += len(batch)
        pairing = time.perf_counter()
        done.pairs += pairs_refresh(numbers=batch, vectors=stored_vectors())
        done.pair_seconds += time.perf_counter() - pairing
        if on_batch:
            on_batch(len(batch))

    embed_numbers(numbers, on_batch=stored, should_stop=should_stop)
    done.vector_seconds = time.perf_counter() - began - done.pair_seconds
    return done


def embed_everything(
    *,
    on_batch: Callable[[int], object] | None = None,
    on_block: Callable[[int], object] | None = None,
) -> Embedded:
    """Make every request's vector again, then find every pair afresh: after changing
    the encoder, or to start over."""
    numbers = list(FeatureRequest.objects.order_by("number").values_list("number", flat=True))

    def stored(batch: Sequence[int]) -> None:
        if on_batch:
            on_batch(len(batch))

    began = time.perf_counter()
    vectors = embed_numbers(numbers, on_batch=stored)
    made = time.perf_counter()
    # Pairs only once every vector is made: a pair found while half the matrix was still
    # the old one would be measured against the old vectors.
    pairs = pairs_rebuild(vectors=stored_vectors(), on_block=on_block)
    return Embedded(vectors, pairs, made - began, time.perf_counter() - made)


@contextmanager
def lease(*, wait: bool) -> Iterator[bool]:
    """Whether this process may make vectors now: one process at a time does, so that
    several workers do not each encode every new request. On PostgreSQL a session lock,
    released when the block ends or the connection drops; SQLite is one machine, where a
    repeat costs only time, so it always may."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s)", [LEASE_KEY])
            held = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [LEASE_KEY])
            held = bool(cursor.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [LEASE_KEY])


def embed_step(
    *, sweep: bool, after: int = 0, should_stop: Callable[[], bool] | None = None
) -> Embedded:
    """One pass of the worker's thread: if no other process is at it, embed what is
    pending, at most PASS_MAX requests."""
    with lease(wait=False) as held:
        if not held:
            return Embedded()
        return embed_pending(sweep=sweep, after=after, most=PASS_MAX, should_stop=should_stop)


@contextmanager
def embedding_alongside(*, enabled: bool = True) -> Iterator[None]:
    """Keep vectors current in a background thread while the block runs (the notification
    worker's loop). The thread runs only on CPU time nothing else wants: delivering
    notifications and the web processes come first."""
    if not enabled:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(target=_loop, args=(stop,), name="embed-requests", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1)  # a daemon: what it was making is made again later


def _loop(stop: threading.Event) -> None:
    _lower_priority()
    poll = float(settings.TRACKER_EMBED_POLL_SECONDS)
    every = float(settings.TRACKER_EMBED_SWEEP_SECONDS)
    last_sweep = -every
    # A poll looks only at requests numbered above the newest the last poll saw (numbers
    # only grow): an index range, where looking at all is a scan (70 ms at 100,000). A
    # request that commits after a later one was seen waits for the next sweep.
    seen = 0
    try:
        while not stop.is_set():
            close_old_connections()
            sweep = time.monotonic() - last_sweep >= every
            try:
                newest = newest_number()
                done = embed_step(sweep=sweep, after=seen, should_stop=stop.is_set)
            except Exception:
                logger.exception("making request vectors failed; trying again")
                done = Embedded()
            else:
                if done.vectors < PASS_MAX:
                    seen = newest
                    if sweep:
                        last_sweep = time.monotonic()
                if done.vectors:
                    logger.info("embedded %s requests, %s likely pairs", done.vectors, done.pairs)
            if done.vectors < PASS_MAX:
                stop.wait(poll)
    finally:
        connection.close()


def _lower_priority() -> None:
    """Run this thread only when the CPU has nothing else to do (Linux's SCHED_IDLE), else
    at the lowest priority: making a vector takes tens of milliseconds of CPU, which must
    not come out of the web processes' intakes on the same machine. Linux takes a thread's
    id where the calls say process: this thread only."""
    tid = threading.get_native_id()
    try:
        os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        try:
            os.setpriority(os.PRIO_PROCESS, tid, 19)
        except (AttributeError, OSError):
            pass
