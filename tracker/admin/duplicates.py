"""The duplicates queue: pairs of open requests likely the same wish, across languages too,
strongest first, for product managers to merge (through the merge page's preview) or to
dismiss as "not the same", which is remembered. The pairs are found when the requests'
vectors are made (tracker.embeddings.pairs), so the page only reads an index."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tracker.admin.requests.pages import BacklogPage, acting_user
from tracker.choices import Language
from tracker.embeddings.pairs import likely_duplicates, pair_dismiss
from tracker.errors import TrackerError
from tracker.limits import NUMBER_MAX
from tracker.models import FeatureRequest, LikelyDuplicate
from tracker.relevance import title_language

PAGE = 50
# Deeper than this, a page would walk too much of the index; nobody reads that far.
LAST_PAGE = 40


class DismissForm(forms.Form):
    first = forms.IntegerField(min_value=1, max_value=NUMBER_MAX)
    second = forms.IntegerField(min_value=1, max_value=NUMBER_MAX)
    page = forms.IntegerField(min_value=1, max_value=LAST_PAGE, required=False)


@dataclass(frozen=True)
class Side:
    request: FeatureRequest

    @property
    def language(self) -> str:
        return title_language(self.request.title)

    @property
    def language_label(self) -> str:
        return str(Language(self.language).label)


@dataclass(frozen=True)
class PairRow:
    pair: LikelyDuplicate
    sides: tuple[Side, Side]

    @property
    def merge_url(self) -> str:
        ids = f"{self.pair.first_id},{self.pair.second_id}"
        return reverse("admin:tracker_featurerequest_merge") + "?" + urlencode({"ids": ids})


class DuplicatesQueue(BacklogPage):
    def duplicates_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._dismiss(request)
        number = _page_number(request.GET.get("page"))
        queue = likely_duplicates(offset=(number - 1) * PAGE, limit=PAGE)
        rows = [PairRow(pair, (Side(pair.first), Side(pair.second))) for pair in queue.pairs]
        return self.render_page(
            request,
            "duplicates.html",
            _("Likely duplicates"),
            {
                "rows": rows,
                "page": number,
                "previous_page": number - 1 if number > 1 else None,
                "next_page": number + 1 if queue.has_next and number < LAST_PAGE else None,
            },
        )

    def _dismiss(self, request: HttpRequest) -> HttpResponse:
        form = DismissForm(request.POST)
        page = 1
        if not form.is_valid():
            self.message_user(request, _("Choose a pair from the queue."), messages.ERROR)
        else:
            first, second = form.cleaned_data["first"], form.cleaned_data["second"]
            page = form.cleaned_data["page"] or 1
            try:
                pair_dismiss(first=first, second=second, by=acting_user(request))
            except TrackerError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                text = _("#%(a)d and #%(b)d are not the same wish: they will not be offered again.")
                self.message_user(request, text % {"a": first, "b": second}, messages.SUCCESS)
        url = reverse("admin:tracker_featurerequest_duplicates")
        return redirect(f"{url}?page={page}" if page > 1 else url)


def _page_number(raw: str | None) -> int:
    if raw and raw.isdecimal() and len(raw) <= 3:
        return min(max(int(raw), 1), LAST_PAGE)
    return 1
