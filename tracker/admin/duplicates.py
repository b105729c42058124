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
from django.utils.translation import ngettext

from tracker.admin.requests.pages import BacklogPage, acting_user
from tracker.choices import Language
from tracker.embeddings.pairs import likely_duplicates, pair_dismiss
from tracker.errors import TrackerError
from tracker.models import FeatureRequest, LikelyDuplicate
from tracker.relevance import title_language

PAGE = 50
# Deeper than this, a page would walk too much of the index; nobody reads that far.
LAST_PAGE = 40


class DismissForm(forms.Form):
    # "first,second": each row's "Not the same" button says which pair it is.
    dismiss = forms.RegexField(regex=r"^\d{1,18},\d{1,18}$")
    page = forms.IntegerField(min_value=1, max_value=LAST_PAGE, required=False)

    def numbers(self) -> tuple[int, int]:
        first, second = self.cleaned_data["dismiss"].split(",")
        return int(first), int(second)


@dataclass(frozen=True)
class Side:
    """One request of a pair, as the row shows it: everything worked out here, once, so
    that a page of fifty pairs renders quickly."""

    number: int
    title: str
    language: str
    language_label: str
    customers: str
    status: str
    url: str

    @classmethod
    def of(cls, request: FeatureRequest) -> Side:
        language = title_language(request.title)
        n = request.customer_count
        return cls(
            number=request.number,
            title=request.title,
            language=language,
            language_label=str(Language(language).label),
            customers=ngettext("%(n)d customer", "%(n)d customers", n) % {"n": n},
            status=request.get_status_display(),
            url=reverse("admin:tracker_featurerequest_change", args=[request.number]),
        )


@dataclass(frozen=True)
class PairRow:
    key: str
    similarity: float
    sides: tuple[Side, Side]
    merge_url: str

    @classmethod
    def of(cls, pair: LikelyDuplicate, merge: str) -> PairRow:
        key = f"{pair.first_id},{pair.second_id}"
        return cls(
            key=key,
            similarity=pair.similarity,
            sides=(Side.of(pair.first), Side.of(pair.second)),
            merge_url=merge + "?" + urlencode({"ids": key}),
        )


class DuplicatesQueue(BacklogPage):
    def duplicates_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_decide_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._dismiss(request)
        number = _page_number(request.GET.get("page"))
        queue = likely_duplicates(offset=(number - 1) * PAGE, limit=PAGE)
        merge = reverse("admin:tracker_featurerequest_merge")
        return self.render_page(
            request,
            "duplicates.html",
            _("Likely duplicates"),
            {
                "rows": [PairRow.of(pair, merge) for pair in queue.pairs],
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
            first, second = form.numbers()
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
