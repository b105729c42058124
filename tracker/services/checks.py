"""The services' checks of what people typed: one helper per kind of rule, the same
message and field wherever the rule applies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from tracker.deadlines import find_date_phrase
from tracker.errors import TrackerError, lazy_message

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from tracker.limits import NOTE_MAX, TITLE_MAX


def require_choice(
    value: str, choices: type[TextChoices], *, field: str, message: StrOrPromise | None = None
) -> None:
    """Refuse a value that is not one of `choices`; by default "Unknown <field> 'value'."
    with the last part of the field's name."""
    if value not in choices.values:
        noun = field.rsplit(".", 1)[-1]
        raise TrackerError(
            message or lazy_message(_("Unknown %(field)s %(value)r."), field=noun, value=value),
            field=field,
        )


class DatePhrase(TrackerError):
    """A public text that states or implies when our work happens. `phrase` is the words at
    fault, which the message quotes and the admin highlights."""

    def __init__(self, *, what: str, phrase: str, field: str) -> None:
        super().__init__(
            f"{what} must not state or imply a date or a time frame: \u201c{phrase}\u201d. "
            "Timing depends on the complexity of the work and the development queue.",
            field=field,
        )
        self.phrase = phrase


def refuse_date_phrase(text: str, *, what: str, field: str, sentences: bool = True) -> None:
    """Customers are never given a deadline: timing depends on complexity and the queue. Every
    text a customer reads (a public note, a public title) is refused when the deadline guard
    finds a date or a time frame in it; there is no override (docs/deadline-guard.md). A title
    is not made of sentences (`sentences=False`): the guard reads it with its rules alone."""
    phrase = find_date_phrase(text, sentences=sentences)
    if phrase is not None:
        raise DatePhrase(what=what, phrase=phrase, field=field)


def clean_title(title: str, *, if_blank: str) -> str:
    """The title with its whitespace collapsed; refused when blank, too long, or naming a
    date: the title is public on the status page."""
    title = " ".join(title.split())
    if not title:
        raise TrackerError(if_blank, field="title")
    if len(title) > TITLE_MAX:
        raise TrackerError(f"The title is longer than {TITLE_MAX} characters.", field="title")
    refuse_date_phrase(title, what="The title", field="title", sentences=False)
    return title


def clean_note(public_note: str) -> str:
    public_note = public_note.strip()
    if len(public_note) > NOTE_MAX:
        raise TrackerError(
            f"The public note is longer than {NOTE_MAX} characters.", field="public_note"
        )
    refuse_date_phrase(public_note, what="The public note", field="public_note")
    return public_note
