from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _repair_search_index(using: str, **kwargs: Any) -> None:
    from tracker.search import sqlite_index_repair

    sqlite_index_repair(using)


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = _("Feature requests")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # SQLite drops the search index's triggers whenever a migration rebuilds the
        # requests table; put them back after every migrate.
        post_migrate.connect(_repair_search_index, sender=self)
