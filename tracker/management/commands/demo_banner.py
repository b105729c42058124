"""What a new user needs once `make run` is up: where the site is, and the local demo users'
passwords. Waits until the server answers /healthz, so it is the last thing on the screen
before the worker's few lines."""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.management.commands.loaddemo import DEMO_USERS, read_demo_passwords


class Command(BaseCommand):
    help = "Wait for the local server, then print its address and the demo users' passwords."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", required=True, help="Where the server listens.")
        parser.add_argument(
            "--wait", type=float, default=60, help="Seconds to wait for it (default 60)."
        )

    def handle(self, *args: Any, url: str, wait: float, **options: Any) -> None:
        url = url.rstrip("/")
        if not _answers(f"{url}/healthz", within=wait):
            raise CommandError(f"The server at {url} did not answer within {wait:.0f} s.")
        passwords = read_demo_passwords() if settings.DEBUG else {}
        lines = [
            f"The tracker is up at {url}/",
            f"  admin (ranked backlog, decisions):  {url}/admin/",
            f"  status page:                        {url}/status/",
            f"  API docs:                           {url}/api/docs/",
        ]
        for username, group, _, _ in DEMO_USERS:
            if username in passwords:
                lines.append(
                    f"  sign in as {username:<8} password {passwords[username]}  ({group})"
                )
        if settings.SITE_URL != url:
            lines.append(f"  links sent to customers point at {settings.SITE_URL} (SITE_URL)")
        lines.append("Ctrl-C stops the server and the worker.")
        rule = "-" * max(len(line) for line in lines)
        self.stdout.write("\n".join(["", rule, *lines, rule, ""]))


def _answers(url: str, *, within: float) -> bool:
    deadline = time.monotonic() + within
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # our own server
    while True:
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)
