"""Public texts per language: a request's public title and each decision's public note, in
English, Russian and Japanese (tracker.models.PublicText, docs/notifications.md).

Every version passes the same checks as the one text did before: its length, and the
deadline guard, which names the version at fault (`public_note.ja`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.conf import settings
from django.contrib.auth.models import User
from django.utils import timezone

from tracker.choices import Language, TextKind
from tracker.errors import TrackerError
from tracker.limits import NOTE_MAX, TITLE_MAX
from tracker.models import DecisionKind, FeatureRequest, PublicText, StatusChange
from tracker.public_text import LANGUAGES
from tracker.relevance import title_language
from tracker.services.checks import refuse_date_phrase
from tracker.services.locks import atomic_retried, lock_request, lock_requests
from tracker.services.outbox import announce_public_change
from tracker.services.record import record_decision

# A text as callers give it: one string (its language read from its script, as the API took
# it before there were versions), or {"en": …, "ru": …, "ja": …} with any keys left out.
Given = str | Mapping[str, str]

_LANGUAGE_NAMES = {"en": "English", "ru": "Russian", "ja": "Japanese"}


def clean_versions(given: Given | None, *, field: str, title: bool = False) -> dict[str, str]:
    """The versions of a text by language, in the order given (the first is the one written
    first), each stripped and checked. A blank version is kept as "" (for a title: remove
    that version); callers that only add drop it."""
    if given is None:
        return {}
    if isinstance(given, str):
        # One text, checked and named as before there were versions.
        text = " ".join(given.split()) if title else given.strip()
        what = "The public title" if title else "The public note"
        limit = TITLE_MAX if title else NOTE_MAX
        if len(text) > limit:
            raise TrackerError(f"{what} is longer than {limit} characters.", field=field)
        # A title is not made of sentences: the guard reads it with its rules alone.
        refuse_date_phrase(text, what=what, field=field, sentences=not title)
        return {title_language(text): text} if text else {}
    if not isinstance(given, Mapping):
        raise TrackerError("Give a text, or an object of texts by language.", field=field)
    versions: dict[str, str] = {}
    for language, text in given.items():
        where = f"{field}.{language}"
        if language not in LANGUAGES:
            raise TrackerError(
                f"Unknown language {language!r}; use one of " + ", ".join(LANGUAGES) + ".",
                field=where,
            )
        if not isinstance(text, str):
            raise TrackerError("Each version is a text.", field=where)
        text = " ".join(text.split()) if title else text.strip()
        limit = TITLE_MAX if title else NOTE_MAX
        what = f"The {'public title' if title else 'public note'} ({_LANGUAGE_NAMES[language]})"
        if len(text) > limit:
            raise TrackerError(f"{what} is longer than {limit} characters.", field=where)
        refuse_date_phrase(text, what=what, field=where, sentences=not title)
        versions[language] = text
    return versions


def first_written(versions: Mapping[str, str]) -> str:
    """The language of the first version given: the one the text was written in."""
    return next((language for language, text in versions.items() if text), Language.EN)


def note_write(
    *,
    change: StatusChange,
    versions: Mapping[str, str],
    by: User | None,
) -> None:
    """The versions of a decision's note, in the decision's transaction."""
    versions = {language: text for language, text in versions.items() if text}
    source = first_written(versions)
    PublicText.objects.bulk_create(
        [
            PublicText(
                request_id=change.request_id,
                kind=TextKind.NOTE,
                change=change,
                language=language,
                text=text,
                source_language=source,
                written_by=by,
            )
            for language, text in versions.items()
        ]
    )


@atomic_retried
def request_set_public_title(
    *, number: int, titles: Given, by: User | None = None
) -> FeatureRequest:
    """Write the public title in one or more languages; a blank version is removed (the
    internal title then stands for its own language again)."""
    versions = clean_versions(titles, field="public_title", title=True)
    request = lock_request(number)
    existing = {text.language: text for text in PublicText.objects.titles_of([number])}
    # The internal title is the version written first, until versions say otherwise.
    source = next(
        (text.source_language for text in existing.values()), title_language(request.title)
    )
    changes: dict[str, tuple[str, str]] = {}
    for language, text in versions.items():
        row = existing.get(language)
        old = row.text if row and not row.is_draft else ""
        if (row is None and not text) or (row is not None and not row.is_draft and old == text):
            continue
        if not text:
            if row is not None:
                row.delete()
        elif row is None:
            PublicText.objects.create(
                request=request,
                kind=TextKind.TITLE,
                language=language,
                text=text,
                source_language=source,
                written_by=by,
            )
        else:
            row.text, row.is_draft, row.written_by, row.written_at = text, False, by, timezone.now()
            row.save(update_fields=["text", "is_draft", "written_by", "written_at"])
        changes[f"public_title.{language}"] = (old, text)
    record_decision(kind=DecisionKind.WORDING, request=request, by=by, changes=changes)
    announce_public_change(number)
    return request


@atomic_retried
def public_text_publish(*, ids: Iterable[int], by: User | None = None) -> int:
    """Make reviewed drafts public. Returns how many were published."""
    drafts = PublicText.objects.filter(id__in=list(ids), is_draft=True)
    numbers = sorted(set(drafts.values_list("request_id", flat=True)))
    lock_requests(numbers)
    published = drafts.update(is_draft=False, written_by=by, written_at=timezone.now())
    if published:
        announce_public_change(*numbers)
    return published


@atomic_retried
def public_text_save_drafts(
    *,
    number: int,
    kind: str,
    change_id: int | None,
    drafts: Mapping[str, str],
    source_language: str,
) -> list[PublicText]:
    """Store machine translations of a text as drafts, where no version exists yet (a
    version a person wrote is never overwritten). Published at once only when an operator
    set TRACKER_TRANSLATION_AUTO_PUBLISH."""
    lock_request(number)
    texts = PublicText.objects.filter(request_id=number, kind=kind)
    if kind == TextKind.NOTE:
        texts = texts.filter(change_id=change_id)
    have = set(texts.values_list("language", flat=True))
    publish = settings.TRACKER_TRANSLATION_AUTO_PUBLISH
    rows = PublicText.objects.bulk_create(
        [
            PublicText(
                request_id=number,
                kind=kind,
                change_id=change_id if kind == TextKind.NOTE else None,
                language=language,
                text=text,
                source_language=source_language,
                is_draft=not publish,
            )
            for language, text in drafts.items()
            if language in LANGUAGES and text.strip() and language not in have
        ]
    )
    if publish and rows:
        announce_public_change(number)
    return rows


@atomic_retried
def public_text_edit_draft(*, id: int, text: str) -> PublicText:
    """Correct a draft before it is published; a published version is rewritten on the
    request page or a decision page instead."""
    draft = PublicText.objects.filter(pk=id, is_draft=True).first()
    if draft is None:
        raise TrackerError("Only a draft is corrected here.", field="text")
    limit = TITLE_MAX if draft.kind == TextKind.TITLE else NOTE_MAX
    text = " ".join(text.split()) if draft.kind == TextKind.TITLE else text.strip()
    if not text or len(text) > limit:
        raise TrackerError(f"Write between 1 and {limit} characters.", field="text")
    refuse_date_phrase(text, what="The text", field="text", sentences=draft.kind != TextKind.TITLE)
    lock_request(draft.request_id)
    draft.text = text
    draft.save(update_fields=["text"])
    return draft
