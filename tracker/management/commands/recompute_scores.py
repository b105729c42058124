import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from tracker.models import FeatureRequest
from tracker.services import requests_recount


class Command(BaseCommand):
    help = (
        "Rebuild every request's demand figures and score from its mentions, "
        "with the plan weights and ranking weights now in the settings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--no-progress", action="store_true", help="Hide the progress bar.")

    def handle(self, *args: Any, batch_size: int, no_progress: bool, **options: Any) -> None:
        numbers = FeatureRequest.objects.canonical().order_by("number")
        total = numbers.count()
        changed = 0
        last = 0
        with tqdm(total=total, unit="request", disable=no_progress, file=sys.stderr) as bar:
            while True:
                # Keyset pagination: each batch is one short transaction.
                batch = list(
                    numbers.filter(number__gt=last).values_list("number", flat=True)[:batch_size]
                )
                if not batch:
                    break
                changed += requests_recount(numbers=batch)
                last = batch[-1]
                bar.update(len(batch))
        self.stdout.write(f"Recomputed {total} requests; {changed} changed.")
