"""A paginator for tables too large to count on every page view."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class LargeTablePaginator(Paginator):
    """Counts the unfiltered table from PostgreSQL's statistics, and a filtered one only up
    to `count_cap` rows: beyond ten pages nobody pages, they narrow the filter or export.
    Shared by the admin's backlog and the API's lists.

    On SQLite (one machine, small tables) it counts exactly, as Django does."""

    count_cap = 1_000
    is_estimated = False

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        if not queryset.query.where:
            estimate = _estimated_rows(queryset)
            if estimate >= self.count_cap:
                self.is_estimated = True
                return estimate
        # Counting a slice counts at most count_cap + 1 rows, however many match.
        return queryset.order_by().values("pk")[: self.count_cap + 1].count()

    @property
    def is_capped(self) -> bool:
        """Whether `count` stopped at the cap, so that more may match than it says."""
        return self.count == self.count_cap + 1


def _estimated_rows(queryset: QuerySet) -> int:
    """The planner's row estimate; -1 when the table was never analyzed."""
    table = queryset.model._meta.db_table
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    return int(row[0]) if row else -1
