"""The backlog as CSV: what the list shows under its filters and search, in ranking order,
streamed row by row whatever its size. UTF-8 with a byte-order mark, by which Excel knows
the encoding: without it Excel reads the file in the system's code page and turns Cyrillic
and Japanese into mojibake."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db.models import F, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, StreamingHttpResponse
from django.utils.translation import gettext

from tracker.admin.requests.pages import BacklogPage
from tracker.models import FeatureRequestQuerySet

CSV_COLUMNS = [
    "number",
    "title",
    "status",
    "kind",
    "customer_count",
    "mention_count",
    "criticality",
    "priority",
    "score",
    "last_raised_at",
    "area",
    "owner",
]


# The columns as read from the database: the header says "criticality", the row holds the
# effective one, the same the list shows.
_READ_AS = {"criticality": "criticality_now", "area": "area__name", "owner": "owner__username"}
_SELECTED = [_READ_AS.get(column, column) for column in CSV_COLUMNS]

BOM = "\ufeff"


class CsvExport(BacklogPage):
    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        # The list's own filters and search; its sorting by a column header does not apply.
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            # What the list page answers by sending the user back to the unfiltered list.
            return HttpResponseBadRequest(gettext("The filters or the page number are not valid."))
        listed = cast(FeatureRequestQuerySet, changelist.queryset)
        rows = (
            listed.ranked()
            # The effective criticality: product managers' own, else the customers' highest.
            .annotate(
                criticality_now=Coalesce(
                    NullIf(F("criticality"), Value("")), F("mention_criticality")
                )
            )
            .values_list(*_SELECTED)
        )
        response = StreamingHttpResponse(
            _csv_lines(rows.iterator(chunk_size=2000)), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="backlog.csv"'
        return response


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterable[tuple[Any, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow([_cell(value) for value in row])


def _cell(value: Any) -> Any:
    # Titles come from customers' chats; a spreadsheet must not run one as a formula.
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value
