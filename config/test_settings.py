"""Test settings: the real database from DATABASE_URL, with fast hashing and local mail."""

import atexit
import os
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "1")

from config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Tests never collect static files; WhiteNoise would warn that the folder is missing.
STATIC_ROOT = None  # type: ignore[assignment]
# loaddemo's tests keep the demo passwords away from a developer's own file.
DEMO_PASSWORDS_FILE = Path(tempfile.gettempdir()) / f"tracker-test-demo-passwords-{os.getpid()}"
atexit.register(DEMO_PASSWORDS_FILE.unlink, missing_ok=True)
# The similar search's word part gives up after a budget of milliseconds in production; on a
# loaded CI machine 20 ms is not enough for a correct test to see its words. The test of the
# budget itself sets its own.
TRACKER_SIMILAR_WORD_BUDGET_MS = 2000
