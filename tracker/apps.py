from typing import Any

from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _repair_search_index(using: str, **kwargs: Any) -> None:
    from tracker.search import sqlite_index_repair

    sqlite_index_repair(using)


def _check_public_text_fallback(**kwargs: Any) -> list[checks.CheckMessage]:
    """A wrong TRACKER_PUBLIC_TEXT_FALLBACK stops the web server and the worker at start,
    not each notification as it is sent."""
    from django.conf import settings

    from tracker.public_text import parse_order

    try:
        parse_order(settings.TRACKER_PUBLIC_TEXT_FALLBACK)
    except ValueError as error:
        return [checks.Error(f"TRACKER_PUBLIC_TEXT_FALLBACK: {error}.", id="tracker.E014")]
    return []


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Feature requests")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # SQLite drops the search index's triggers whenever a migration rebuilds the
        # requests table; put them back after every migrate.
        post_migrate.connect(_repair_search_index, sender=self)
        checks.register(_check_public_text_fallback)
