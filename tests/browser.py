"""What the browser tests share: Debian's Chromium driven by Playwright, and where
screenshots go."""

import os
import tempfile
from pathlib import Path

import pytest

# `SCREENSHOTS=docs/screenshots make test` refreshes the pictures in docs/; an ordinary test
# run writes them to a temporary folder and leaves the working tree alone.
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS") or tempfile.mkdtemp(prefix="screenshots-"))
CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out of a closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Browser tests serve pages from a live server (a separate thread), so they need a real
# commit; serialized_rollback restores the roles the data migration made after each.
browser_test = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]
