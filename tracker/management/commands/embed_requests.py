"""Make every request's vector for the similar search, and the duplicates queue's pairs.

Without options it makes the vectors that are missing or stale (a new request, an edited
title, another encoder) and finds those requests' pairs: what the notification worker does
in the background, all at once. `--all` makes every vector again and finds every pair
afresh. Safe to run beside the workers: one process makes vectors at a time.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from tracker.embeddings import encoder_path
from tracker.embeddings.store import pending_numbers
from tracker.embeddings.worker import embed, embed_everything, lease
from tracker.models import FeatureRequest


class Command(BaseCommand):
    help = "Make the similar search's request vectors and find likely duplicates."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Make every vector again, not only missing ones."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bars.")

    def handle(self, *args: Any, **options: Any) -> None:
        quiet = options["no_progress"] or options["verbosity"] < 1
        with lease(wait=True):
            if options["all"]:
                total = FeatureRequest.objects.count()
                still_open = FeatureRequest.objects.open().count()
                with (
                    self._bar(total, "vectors", quiet) as vectors,
                    self._bar(still_open, "pairs", quiet) as pairs,
                ):
                    done = embed_everything(on_batch=vectors.update, on_block=pairs.update)
            else:
                numbers = pending_numbers(sweep=True)
                with self._bar(len(numbers), "vectors", quiet) as bar:
                    done = embed(numbers, on_batch=bar.update)
        self.stdout.write(
            f"Embedded {done.vectors:,} requests with {encoder_path()} in "
            f"{done.vector_seconds:.1f} s; {done.pairs:,} likely duplicate pairs found in "
            f"{done.pair_seconds:.1f} s."
        )

    def _bar(self, total: int, what: str, quiet: bool) -> tqdm[Any]:
        return tqdm(total=total, unit=what, desc=what, disable=quiet, file=sys.stderr)
