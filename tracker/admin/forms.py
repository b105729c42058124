"""Forms of the backlog's pages. They only collect input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tracker.choices import Criticality, DeclineReason, Kind, Language, Plan, Priority, Status
from tracker.errors import TrackerError
from tracker.limits import (
    EXTERNAL_ID_MAX,
    NAME_MAX,
    NOTE_MAX,
    NUMBER_MAX,
    THREAD_REF_MAX,
    TITLE_MAX,
)
from tracker.models import Channel
from tracker.services import AccountData, DefectReport, ThreadData, default_plan

DECIDABLE_STATUSES = [(s.value, s.label) for s in Status if s != Status.DUPLICATE]


class ServiceForm(forms.Form):
    # Service error fields (e.g. "thread.ref") mapped to this form's fields.
    error_fields: dict[str, str] = {}

    def add_service_error(self, error: TrackerError) -> None:
        name = self.error_fields.get(error.field or "", error.field)
        self.add_error(name if name in self.fields else None, error.message)


class TransitionForm(ServiceForm):
    status = forms.ChoiceField(label=_("New status"), choices=DECIDABLE_STATUSES)
    reason = forms.ChoiceField(
        label=_("Reason (when declining)"),
        choices=[("", "—"), *DeclineReason.choices],
        required=False,
        help_text=_("Each reason sends the customer its own message."),
    )
    public_note = forms.CharField(
        label=_("Public note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX,
        required=False,
        help_text=_(
            "Customers read this in their chat thread and on the status page. Never promise a date."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == Status.DECLINED and not data.get("reason"):
            self.add_error("reason", _("Declining needs a reason."))
        if data.get("status") != Status.DECLINED and data.get("reason"):
            self.add_error("reason", _("A reason is given only when declining."))
        return data


class MergeForm(ServiceForm):
    into = forms.IntegerField(
        label=_("Keep request number"),
        min_value=1,
        max_value=NUMBER_MAX,
        help_text=_("The other requests become its duplicates; their customers count for it."),
    )
    public_note = forms.CharField(
        label=_("Public note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
        required=False,
    )
    error_fields = {"number": "into"}


class PriorityForm(ServiceForm):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class CriticalityForm(ServiceForm):
    criticality = forms.ChoiceField(
        label=_("Criticality"),
        choices=[("", _("As customers say (the highest of their mentions)")), *Criticality.choices],
        required=False,
    )


class MentionForm(ServiceForm):
    """One customer thread raising a request: who, where, in which words."""

    account_external_id = forms.CharField(
        label=_("Customer account"),
        max_length=EXTERNAL_ID_MAX,
        help_text=_("e.g. acme.bitrix24.com"),
    )
    account_name = forms.CharField(label=_("Account name"), max_length=NAME_MAX, required=False)
    # Blank by default: a thread logged here must not change what the customer pays for.
    plan = forms.ChoiceField(
        label=_("Plan"),
        choices=[("", _("Keep the account's plan")), *Plan.choices],
        required=False,
    )
    channel = forms.ModelChoiceField(
        label=_("Channel"),
        queryset=Channel.objects.filter(is_active=True).order_by("slug"),
        to_field_name="slug",
    )
    thread_ref = forms.CharField(
        label=_("Thread reference"),
        max_length=THREAD_REF_MAX,
        help_text=_("The chat's id in its channel."),
    )
    language = forms.ChoiceField(label=_("Thread language"), choices=Language.choices)
    quote = forms.CharField(
        label=_("Customer's words"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    mention_criticality = forms.ChoiceField(
        label=_("How critical for this customer"),
        choices=Criticality.choices,
        initial=Criticality.NORMAL,
    )
    error_fields = {
        "account.plan": "plan",
        "thread.channel": "channel",
        "thread.ref": "thread_ref",
        "thread.language": "language",
        "criticality": "mention_criticality",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["plan"].help_text = _(
            "An account seen before keeps its plan unless you choose another; a new one gets "
            "%(default)s. A changed plan re-weighs every request the account raised."
        ) % {"default": Plan(default_plan()).label}

    def account_data(self) -> AccountData:
        return AccountData(
            external_id=self.cleaned_data["account_external_id"].strip(),
            name=self.cleaned_data["account_name"].strip(),
            plan=self.cleaned_data["plan"] or None,
        )

    def thread_data(self) -> ThreadData:
        return ThreadData(
            channel=self.cleaned_data["channel"].slug,
            ref=self.cleaned_data["thread_ref"].strip(),
            language=self.cleaned_data["language"],
        )

    def report(self) -> DefectReport | None:
        # A thread logged on a request brings no defect report of its own here.
        return None


class RequestLogForm(MentionForm):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.SUGGESTION)
    steps = forms.CharField(
        label=_("What was done"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    started_how = forms.CharField(
        label=_("How it was started"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    expected = forms.CharField(
        label=_("Expected result"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    actual = forms.CharField(
        label=_("Actual result"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    attachments = forms.CharField(
        label=_("Screenshots or video (one link a line)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    field_order = [
        "title",
        "description",
        "kind",
        "account_external_id",
        "account_name",
        "plan",
        "channel",
        "thread_ref",
        "language",
        "quote",
        "mention_criticality",
    ]

    def report(self) -> DefectReport | None:
        if self.cleaned_data["kind"] != Kind.DEFECT:
            return None
        return DefectReport(
            steps=self.cleaned_data["steps"],
            started_how=self.cleaned_data["started_how"],
            expected=self.cleaned_data["expected"],
            actual=self.cleaned_data["actual"],
            attachments=self.cleaned_data["attachments"].split(),
        )

    def add_service_error(self, error: TrackerError) -> None:
        missing = getattr(error, "missing", None)
        if missing:
            for name in missing:
                self.add_error(name, _("A defect report needs this."))
        super().add_service_error(error)
