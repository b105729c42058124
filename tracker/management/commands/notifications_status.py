"""How the notification outbox is doing, for people, cron and monitoring:

    python manage.py notifications_status

Prints the outbox depth, the oldest pending notification's age, how late the longest-due
one is, paused channels and failed notifications, per channel. Exits 0 when the outbox
looks after itself, and 1 (with what to look at on stderr) when a person is needed: a
channel paused until someone acts (authentication refused, 410 Gone), notifications that
failed for good, due notifications waiting past TRACKER_NOTIFY_ALERT_LAG seconds (is a
worker running?), or a channel failing for longer than TRACKER_NOTIFY_ALERT_OUTAGE.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from tracker.notifications.health import outbox_health


class Command(BaseCommand):
    help = "Report on the notification outbox; exit 1 when a person is needed."

    def handle(self, *args: Any, **options: Any) -> None:
        health = outbox_health()
        self.stdout.write(
            f"outbox: {health.pending} pending, {health.failed} failed; "
            f"oldest pending {health.oldest_pending_age:.0f} s old; "
            f"{len(health.paused)} channel(s) paused"
        )
        self.stdout.write(
            f"{'channel':<24} {'pending':>8} {'due':>6} {'lag s':>7} {'oldest s':>9} "
            f"{'failed':>7}  state"
        )
        for c in health.channels:
            if c.needs_person:
                state = f"paused until a person acts: {c.pause_reason}"
            elif c.is_paused:
                state = f"paused {c.paused_for:.0f} s, probing: {c.pause_reason}"
            else:
                state = "delivering" if c.is_active else "switched off"
            self.stdout.write(
                f"{c.slug:<24} {c.pending:>8} {c.due:>6} {c.lag:>7.0f} "
                f"{c.oldest_pending_age:>9.0f} {c.failed:>7}  {state}"
            )
        problems = health.problems()
        if problems:
            for problem in problems:
                self.stderr.write(f"NEEDS A PERSON: {problem}")
            raise CommandError(f"{len(problems)} problem(s) need a person.", returncode=1)
        self.stdout.write("OK: nothing needs a person.")
