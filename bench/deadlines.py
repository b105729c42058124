"""Benchmark: how long the deadline guard takes to read one public note.

    .venv/bin/python -m bench.deadlines [--calls 2000] [--seed 15] [--no-docs]

The guard (`tracker.deadlines.find_date_phrase`: the rules and the learned layer, which
scores every sentence) runs on every status change, merge and public text, so it must answer
in under 5 ms at the median for a 2,000-character note (the longest a public note may be).
The notes are built from the labelled set's ordinary notes (tests/data/deadline_notes.jsonl),
sentence after sentence up to 200 and 2,000 characters, in English, Russian and Japanese: an
ordinary note is the slowest case, since the guard reads it to the end without finding
anything. A mixed row adds notes that hold a promise
somewhere in them.

It prints p50 and p95 per size and language, in wall-clock time and in CPU time (the CPU
time leaves out the moments another process had the processor, which matters on a busy
machine), writes them into docs/benchmarks.md, and exits non-zero when a 2,000-character
median is 5 ms or more. It needs no database.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path

from bench import common
from tracker.deadlines import find_date_phrase

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "deadline_notes.jsonl"
SIZES = (200, 2_000)
TARGET_MS = 5.0
DOCS = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- bench:deadlines:start -->", "<!-- bench:deadlines:end -->"


def notes_of(size: int, pool: list[str], count: int, rng: random.Random) -> list[str]:
    """`count` notes of `size` characters, each made of whole notes from `pool`."""
    notes = []
    for _ in range(count):
        text = ""
        while len(text) < size:
            text += rng.choice(pool) + " "
        notes.append(text[:size])
    return notes


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, len(ordered) * 95 // 100)]


def measure(
    guard: Callable[[str], str | None], notes: list[str], calls: int
) -> tuple[list[float], list[float]]:
    """Milliseconds per call, wall clock and CPU, over `calls` calls cycling through notes."""
    wall, cpu = [], []
    for index in range(calls):
        note = notes[index % len(notes)]
        wall_start, cpu_start = time.perf_counter_ns(), time.thread_time_ns()
        guard(note)
        cpu.append((time.thread_time_ns() - cpu_start) / 1e6)
        wall.append((time.perf_counter_ns() - wall_start) / 1e6)
    return wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=2_000, help="calls per row")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--no-docs", action="store_true", help="print, do not write docs")
    options = parser.parse_args(argv)

    labelled = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(options.seed)  # noqa: S311 - reproducible test notes, not secrets
    rows: list[tuple[str, int, list[str]]] = []
    for size in SIZES:
        for language in ("en", "ru", "ja"):
            ordinary = [
                n["text"] for n in labelled if n["language"] == language and not n["promise"]
            ]
            rows.append((language, size, notes_of(size, ordinary, 200, rng)))
        everything = [n["text"] for n in labelled]
        rows.append(("mixed", size, notes_of(size, everything, 200, rng)))

    lines = [
        f"Deadline guard, `python -m bench.deadlines`: {options.calls} calls per row, notes from"
        f" `{DATA.relative_to(ROOT)}`; target: a 2,000-character note under {TARGET_MS:g} ms"
        " at the median.",
        "",
        "| note | wall p50 | wall p95 | CPU p50 | CPU p95 |",
        "|---|---:|---:|---:|---:|",
    ]
    slow = []
    for language, size, notes in rows:
        for note in notes[:20]:  # warm up: compiled patterns, caches
            find_date_phrase(note)
        wall, cpu = measure(find_date_phrase, notes, options.calls)
        (wall50, wall95), (cpu50, cpu95) = percentiles(wall), percentiles(cpu)
        label = f"{size:,} chars, {language}"
        lines.append(
            f"| {label} | {wall50:.2f} ms | {wall95:.2f} ms | {cpu50:.2f} ms | {cpu95:.2f} ms |"
        )
        if size == max(SIZES) and wall50 >= TARGET_MS:
            slow.append(label)
    lines += [
        "",
        f"Over {TARGET_MS:g} ms at the median: {', '.join(slow)}."
        if slow
        else f"Every {max(SIZES):,}-character median is under {TARGET_MS:g} ms.",
    ]
    report = "\n".join(lines)
    print(report)
    if not options.no_docs:
        common.write_section(DOCS, START, END, report)
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
