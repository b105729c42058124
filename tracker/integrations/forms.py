"""The form of the Bitrix24 placement page (the Slack modal's blocks are its twin)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker import services
from tracker.choices import Criticality, Kind, Language
from tracker.integrations.common import Wish
from tracker.limits import EXTERNAL_ID_MAX, TITLE_MAX


class WishForm(forms.Form):
    """What the agent chose, from the Bitrix24 page's form or the Slack modal's state
    (its blocks have these names)."""

    attach = forms.IntegerField(
        label=_("Attach to an existing request"), required=False, min_value=1
    )
    title = forms.CharField(label=_("Title of a new request"), required=False, max_length=TITLE_MAX)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Kind.choices, initial=Kind.SUGGESTION, required=False
    )
    criticality = forms.ChoiceField(
        label=_("How critical for this customer"),
        choices=Criticality.choices,
        initial=Criticality.NORMAL,
        required=False,
    )
    quote = forms.CharField(label=_("The customer's words"), required=False, widget=forms.Textarea)
    # Left out, a new thread's language is read from the customer's words.
    language = forms.ChoiceField(
        label=_("The customer's language"), choices=Language.choices, required=False
    )
    account = forms.CharField(
        label=_("Customer account"), required=False, max_length=EXTERNAL_ID_MAX
    )
    steps = forms.CharField(label=_("What was done"), required=False, widget=forms.Textarea)
    started_how = forms.CharField(
        label=_("How it was started"), required=False, widget=forms.Textarea
    )
    expected = forms.CharField(label=_("Expected result"), required=False, widget=forms.Textarea)
    actual = forms.CharField(label=_("Actual result"), required=False, widget=forms.Textarea)
    attachments = forms.CharField(
        label=_("Screenshots or video"),
        required=False,
        widget=forms.Textarea,
        help_text=_("Links, one a line."),
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("attach") and data.get("title", "").strip():
            self.add_error("title", _("Leave the title empty to attach to the chosen request."))
        elif not data.get("attach") and not data.get("title", "").strip():
            self.add_error("title", _("Choose a request to attach to, or give a new title."))
        return data

    def wish(self) -> Wish:
        data = self.cleaned_data
        return Wish(
            request_number=data.get("attach") or None,
            title=data.get("title", "").strip(),
            kind=data.get("kind") or Kind.SUGGESTION,
            criticality=data.get("criticality") or Criticality.NORMAL,
            quote=data.get("quote", ""),
            language=data.get("language") or None,
            report=services.DefectReport(
                steps=data.get("steps", ""),
                started_how=data.get("started_how", ""),
                expected=data.get("expected", ""),
                actual=data.get("actual", ""),
                attachments=data.get("attachments", "").split(),
            ),
        )
