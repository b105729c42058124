"""Fill the versions a public text lacks with machine translation drafts: read the text
(no transaction), ask the server for each missing language (no transaction held), then
store what came back as drafts in one service call. A product manager publishes a draft
after reading it, unless TRACKER_TRANSLATION_AUTO_PUBLISH says otherwise."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.choices import TextKind
from tracker.models import FeatureRequest, StatusChange
from tracker.public_text import missing
from tracker.selectors import note_versions, title_versions
from tracker.services.public_text import public_text_save_drafts
from tracker.translation import LibreTranslate, TranslationFailed


@dataclass
class DraftOutcome:
    drafted: list[str] = field(default_factory=list)
    # Why a language got no draft, for the person who asked.
    failures: list[str] = field(default_factory=list)


def draft_missing(
    *, request: FeatureRequest, change: StatusChange | None, server: LibreTranslate
) -> DraftOutcome:
    """Drafts of the request's title (`change` None) or of `change`'s note, in every language
    it lacks, translated from the language it was written in."""
    if change is None:
        versions = title_versions([request])[request.number]
    else:
        versions = note_versions([change])[change.pk]
    outcome = DraftOutcome()
    source_text = versions.texts.get(versions.source)
    if not source_text:
        return outcome
    drafts: dict[str, str] = {}
    for language in missing(versions.texts):
        try:
            drafts[language] = server.translate(
                source_text, source=versions.source, target=language
            )
        except TranslationFailed as error:
            outcome.failures.append(str(error))
            break  # the server is down or refusing: asking again now would say the same
    if drafts:
        rows = public_text_save_drafts(
            number=request.number,
            kind=TextKind.TITLE if change is None else TextKind.NOTE,
            change_id=None if change is None else change.pk,
            drafts=drafts,
            source_language=versions.source,
        )
        outcome.drafted = [row.language for row in rows]
    return outcome
