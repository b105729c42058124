"""Django admin, one module per area: product managers' backlog, accounts and channels,
notifications."""

from tracker.admin import accounts, notifications, public_texts, requests, tokens  # noqa: F401
