"""Deliver the notification outbox into the customers' chat threads.

Runs until stopped (SIGTERM or Ctrl-C finish the message in hand, hand the rest back, then
exit); `--once` delivers what is due now and exits. Run as many as you like, on as many
machines: they share the work through leases in the database. A lost database makes the
worker wait and reconnect, not exit; on PostgreSQL a committed notification wakes an idle
worker at once. See docs/notifications.md.
"""

from __future__ import annotations

import signal
from dataclasses import replace
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tracker.channels.http import close_all
from tracker.embeddings.worker import embedding_alongside
from tracker.notifications.delivery import Policy, run


class Command(BaseCommand):
    help = "Deliver due notifications into their chat threads; runs until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Deliver what is due now, then exit."
        )
        parser.add_argument("--batch-size", type=int, help="Notifications claimed at a time.")

    def handle(
        self, *args: Any, once: bool = False, batch_size: int | None = None, **options: Any
    ) -> None:
        policy = Policy.from_settings()
        if batch_size:
            policy = replace(policy, batch_size=batch_size)
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            # Beside delivering, keep the similar search's vectors current (docs/similar.md).
            with embedding_alongside(enabled=not once):
                total = run(policy=policy, once=once, should_stop=lambda: stopping)
        finally:
            close_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write(
            f"Delivered {total.delivered}, retrying {total.retried}, failed {total.failed}."
        )
