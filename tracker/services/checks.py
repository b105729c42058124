"""The services' checks of what people typed: one helper per kind of rule, the same
message and field wherever the rule applies."""

from __future__ import annotations

from django.db.models import TextChoices

from tracker.deadlines import find_date_phrase
from tracker.errors import TrackerError
from tracker.limits import NOTE_MAX, TITLE_MAX


def require_choice(
    value: str, choices: type[TextChoices], *, field: str, message: str | None = None
) -> None:
    """Refuse a value that is not one of `choices`; by default "Unknown <field> 'value'."
    with the last part of the field's name."""
    if value not in choices.values:
        noun = field.rsplit(".", 1)[-1]
        raise TrackerError(message or f"Unknown {noun} {value!r}.", field=field)


def clean_title(title: str, *, if_blank: str) -> str:
    """The title with its whitespace collapsed; refused when blank or too long."""
    title = " ".join(title.split())
    if not title:
        raise TrackerError(if_blank, field="title")
    if len(title) > TITLE_MAX:
        raise TrackerError(f"The title is longer than {TITLE_MAX} characters.", field="title")
    return title


def clean_note(public_note: str) -> str:
    public_note = public_note.strip()
    if len(public_note) > NOTE_MAX:
        raise TrackerError(
            f"The public note is longer than {NOTE_MAX} characters.", field="public_note"
        )
    # Customers are never given a deadline: timing depends on complexity and the queue.
    phrase = find_date_phrase(public_note)
    if phrase is not None:
        raise TrackerError(
            "The public note must not state or imply a date or a time frame: "
            f"\u201c{phrase}\u201d. Timing depends on the complexity of the work and the "
            "development queue.",
            field="public_note",
        )
    return public_note
