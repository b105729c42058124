"""Forms of the backlog's pages. They only collect input; the services decide."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from tracker.attachments import validate_attachment_url
from tracker.choices import Criticality, DeclineReason, Kind, Language, Plan, Priority, Status
from tracker.errors import TrackerError
from tracker.limits import (
    ACTUAL_MAX,
    ATTACHMENT_URL_MAX,
    ATTACHMENTS_MAX,
    DESCRIPTION_MAX,
    EXPECTED_MAX,
    EXTERNAL_ID_MAX,
    NAME_MAX,
    NOTE_MAX,
    NUMBER_MAX,
    QUOTE_MAX,
    STARTED_HOW_MAX,
    STEPS_MAX,
    THREAD_REF_MAX,
    TITLE_MAX,
)
from tracker.models import PRODUCT_MANAGERS, Channel, FeatureRequest, ProductArea, PublicText
from tracker.relevance import title_language
from tracker.services import AccountData, DefectReport, ThreadData, default_plan
from tracker.services.checks import DatePhrase, refuse_date_phrase
from tracker.services.decisions import transition_refusal as service_transition_refusal

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

DECIDABLE_STATUSES = [(s.value, s.label) for s in Status if s != Status.DUPLICATE]


def shown(error: TrackerError) -> str | SafeString:
    """A service's message for a form, with the phrase the deadline guard found in
    <mark>, so that whoever wrote it sees which words to change."""
    if not isinstance(error, DatePhrase):
        return error.message
    quoted = escape(f"\u201c{error.phrase}\u201d")
    marked = f"\u201c<mark>{escape(error.phrase)}</mark>\u201d"
    return mark_safe(escape(error.message).replace(quoted, marked, 1))  # noqa: S308


class PublicTextField(forms.CharField):
    """Text a customer reads (a public note, a public title), refused when submitted if it
    names a date: before any confirmation page, by the same check the services make again
    when they save it. There is no override; the text is reworded."""

    def __init__(self, *, what: str, sentences: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.what = what
        # A title is not made of sentences: the guard reads it with its rules alone.
        self.sentences = sentences

    def validate(self, value: Any) -> None:
        super().validate(value)
        try:
            refuse_date_phrase(value, what=self.what, field="", sentences=self.sentences)
        except DatePhrase as error:
            raise ValidationError(shown(error), code="date_phrase") from error


class ServiceForm(forms.Form):
    # Service error fields (e.g. "thread.ref") mapped to this form's fields.
    error_fields: dict[str, str] = {}

    def add_service_error(self, error: TrackerError) -> None:
        name = self.error_fields.get(error.field or "", error.field)
        self.add_error(name if name in self.fields else None, shown(error))


def transition_refusal(current: str, status: str) -> str | None:
    """Why a request that is `current` cannot become `status`, in the user's language (the
    service's own refusal, tracker.services.decisions); None when it can."""
    refusal = service_transition_refusal(current, status)
    return refusal.message if refusal else None


class DecisionForm(ServiceForm):
    """A decision on the selected requests: it starts from their current value (when they
    share one), and refuses a choice none of them can take before anything is confirmed."""

    # The form's field that the decision sets, and the request's value for it now.
    decided: str

    def __init__(
        self, data: Any = None, *, requests: Iterable[FeatureRequest] = (), **kwargs: Any
    ) -> None:
        self.requests = list(requests)
        values = {self.current(obj) for obj in self.requests}
        if len(values) == 1:
            kwargs.setdefault("initial", {})[self.decided] = values.pop()
        super().__init__(data, **kwargs)

    def current(self, obj: FeatureRequest) -> str:
        return str(getattr(obj, self.decided))


def _version_field(
    what: str, label: StrOrPromise, *, max_length: int, rows: int, sentences: bool = True
) -> Any:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return PublicTextField(
        what=what,
        sentences=sentences,
        label=label,
        widget=widget,
        max_length=max_length,
        required=False,
    )


def _note_version_fields(rows: int) -> dict[str, Any]:
    return {
        "public_note_en": _version_field(
            "The public note (English)", _("Public note in English"), max_length=NOTE_MAX, rows=rows
        ),
        "public_note_ru": _version_field(
            "The public note (Russian)", _("Public note in Russian"), max_length=NOTE_MAX, rows=rows
        ),
        "public_note_ja": _version_field(
            "The public note (Japanese)",
            _("Public note in Japanese"),
            max_length=NOTE_MAX,
            rows=rows,
        ),
    }


class NoteVersionsForm(ServiceForm):
    """A decision's public note in one or more languages: `public_note` in whichever language
    it is written (read from its script; the one written first), and a field per language."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        rows = 3 if isinstance(self.fields["public_note"].widget, forms.Textarea) else 0
        self.fields.update(_note_version_fields(rows))

    def note_versions(self, data: dict[str, Any]) -> dict[str, str]:
        """The note by language, the version written first first."""
        versions: dict[str, str] = {}
        first = (data.get("public_note") or "").strip()
        if first:
            versions[title_language(first)] = first
        for language in Language.values:
            text = (data.get(f"public_note_{language}") or "").strip()
            if not text:
                continue
            if language in versions and versions[language] != text:
                self.add_error(
                    f"public_note_{language}",
                    _("The note above is already in this language: write it in one place."),
                )
                continue
            versions[language] = text
        return versions


class TransitionForm(NoteVersionsForm, DecisionForm):
    decided = "status"
    status = forms.ChoiceField(label=_("New status"), choices=DECIDABLE_STATUSES)
    reason = forms.ChoiceField(
        label=_("Reason (when declining)"),
        choices=[("", "—"), *DeclineReason.choices],
        required=False,
        help_text=_("Each reason sends the customer its own message."),
    )
    public_note = PublicTextField(
        what="The public note",
        label=_("Public note"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=NOTE_MAX,
        required=False,
        help_text=_(
            "Customers read this in their chat thread and on the status page. Never promise a "
            "date. Write it in any language; add other languages below, so that each customer "
            "reads it in their own."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["public_notes"] = self.note_versions(data)
        if data.get("status") == Status.DECLINED and not data.get("reason"):
            self.add_error("reason", _("Declining needs a reason."))
        if data.get("status") != Status.DECLINED and data.get("reason"):
            self.add_error("reason", _("A reason is given only when declining."))
        status = data.get("status")
        if status and self.requests:
            refusals = [transition_refusal(obj.status, status) for obj in self.requests]
            if all(refusals):
                if len(set(refusals)) == 1:
                    self.add_error("status", str(refusals[0]))
                else:
                    self.add_error(
                        "status",
                        _("None of the selected requests can become %(status)s.")
                        % {"status": Status(status).label},
                    )
        return data


class MergeForm(NoteVersionsForm):
    into = forms.IntegerField(
        label=_("Keep request number"),
        min_value=1,
        max_value=NUMBER_MAX,
        help_text=_("The other requests become its duplicates; their customers count for it."),
    )
    public_note = PublicTextField(
        what="The public note",
        label=_("Public note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=NOTE_MAX,
        required=False,
    )
    error_fields = {"number": "into"}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["public_notes"] = self.note_versions(data)
        return data


class WordingForm(forms.ModelForm):
    """A request's own page: its wording. The title is public on the status page."""

    title = PublicTextField(
        what="The title", sentences=False, label=_("Title"), max_length=TITLE_MAX
    )
    public_title_en = _version_field(
        "The public title (English)",
        _("Public title in English"),
        max_length=TITLE_MAX,
        rows=0,
        sentences=False,
    )
    public_title_ru = _version_field(
        "The public title (Russian)",
        _("Public title in Russian"),
        max_length=TITLE_MAX,
        rows=0,
        sentences=False,
    )
    public_title_ja = _version_field(
        "The public title (Japanese)",
        _("Public title in Japanese"),
        max_length=TITLE_MAX,
        rows=0,
        sentences=False,
    )

    class Meta:
        model = FeatureRequest
        fields = ["title", "description", "kind"]

    # The per-language fields, by language.
    TITLE_FIELDS = {language: f"public_title_{language}" for language in Language.values}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for text in PublicText.objects.titles_of([self.instance.pk]).published():
                self.initial[self.TITLE_FIELDS[text.language]] = text.text
        for name in self.TITLE_FIELDS.values():
            self.fields[name].help_text = _(
                "Left blank, customers of this language read the title above if it is in "
                "their language, else the fallback."
            )

    def public_titles(self) -> dict[str, str] | None:
        """The per-language titles when any changed (blank removes one), else None."""
        if not any(name in self.changed_data for name in self.TITLE_FIELDS.values()):
            return None
        return {
            language: self.cleaned_data.get(name) or ""
            for language, name in self.TITLE_FIELDS.items()
        }


class PriorityForm(DecisionForm):
    decided = "priority"
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)


class CriticalityForm(DecisionForm):
    # Product managers' own setting; blank is "as customers say".
    decided = "criticality"
    criticality = forms.ChoiceField(
        label=_("Criticality"),
        choices=[("", _("As customers say (the highest of their mentions)")), *Criticality.choices],
        required=False,
    )


class AreaForm(DecisionForm):
    decided = "area"
    area = forms.ModelChoiceField(
        label=_("Product area"),
        queryset=ProductArea.objects.all(),
        required=False,
        empty_label=_("No area"),
    )

    def current(self, obj: FeatureRequest) -> str:
        return str(obj.area_id or "")


class OwnerForm(DecisionForm):
    decided = "owner"
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        queryset=User.objects.filter(is_active=True, groups__name=PRODUCT_MANAGERS).order_by(
            "username"
        ),
        required=False,
        empty_label=_("Nobody"),
    )

    def current(self, obj: FeatureRequest) -> str:
        return str(obj.owner_id or "")


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
        label=_("Customer's words"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=QUOTE_MAX,
        required=False,
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
    title = PublicTextField(
        what="The title", sentences=False, label=_("Title"), max_length=TITLE_MAX
    )
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=DESCRIPTION_MAX,
        required=False,
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.SUGGESTION)
    steps = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=STEPS_MAX,
        required=False,
    )
    started_how = forms.CharField(
        label=_("How it was started"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=STARTED_HOW_MAX,
        required=False,
    )
    expected = forms.CharField(
        label=_("Expected result"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=EXPECTED_MAX,
        required=False,
    )
    actual = forms.CharField(
        label=_("Actual result"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=ACTUAL_MAX,
        required=False,
    )
    attachments = forms.CharField(
        label=_("Screenshots or video (one link a line)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=format_lazy(_("http or https links, at most {n}."), n=ATTACHMENTS_MAX),
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

    def clean_attachments(self) -> list[str]:
        """One link a line, each checked as the API checks one: http or https, at most
        ATTACHMENT_URL_MAX characters, at most ATTACHMENTS_MAX of them."""
        links = self.cleaned_data["attachments"].split()
        errors: list[forms.ValidationError] = []
        if len(links) > ATTACHMENTS_MAX:
            errors.append(
                forms.ValidationError(
                    _("At most %(max)d links; this has %(n)d."),
                    code="max_length",
                    params={"max": ATTACHMENTS_MAX, "n": len(links)},
                )
            )
        for number, link in enumerate(links, start=1):
            if len(link) > ATTACHMENT_URL_MAX:
                errors.append(
                    forms.ValidationError(
                        _("Link %(n)d is longer than %(max)d characters."),
                        code="max_length",
                        params={"n": number, "max": ATTACHMENT_URL_MAX},
                    )
                )
                continue
            try:
                validate_attachment_url(link)
            except forms.ValidationError:
                errors.append(
                    forms.ValidationError(
                        _("Link %(n)d (%(link)s) is not an http or https link."),
                        code="invalid",
                        params={"n": number, "link": link},
                    )
                )
        if errors:
            raise forms.ValidationError(errors)
        return links

    def report(self) -> DefectReport | None:
        if self.cleaned_data["kind"] != Kind.DEFECT:
            return None
        return DefectReport(
            steps=self.cleaned_data["steps"],
            started_how=self.cleaned_data["started_how"],
            expected=self.cleaned_data["expected"],
            actual=self.cleaned_data["actual"],
            attachments=self.cleaned_data["attachments"],
        )

    def add_service_error(self, error: TrackerError) -> None:
        missing = getattr(error, "missing", None)
        if missing:
            for name in missing:
                self.add_error(name, _("A defect report needs this."))
        super().add_service_error(error)
