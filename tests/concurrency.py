"""Running one piece of work on many threads at once, each with its own database
connection (PostgreSQL only: SQLite serializes writers by design)."""

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

concurrent_test = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs a database with concurrent writers"
    ),
]


def run_at_once(work: Callable[[int], Any], times: int) -> tuple[list[Any], list[Exception]]:
    """Call work(i) for i in range(times) on as many threads, released together; return
    what the calls answered and what they raised."""
    # A thread that never reaches the barrier breaks it for the others instead of
    # leaving them waiting for ever.
    barrier = threading.Barrier(times, timeout=60)
    answers: list[Any] = []
    errors: list[Exception] = []

    def worker(i: int) -> None:
        try:
            barrier.wait()
            answers.append(work(i))
        except Exception as error:  # collected and asserted on by the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(times)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if any(t.is_alive() for t in threads):
        raise AssertionError("a thread of run_at_once did not finish within 300 s")
    return answers, errors
