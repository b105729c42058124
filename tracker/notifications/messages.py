"""What a notification says, in its thread's language.

A notification stores the facts of an event; the text is rendered when it is sent, in the
thread's language, through Django's translation machinery. Each message is one whole
translatable sentence group with named placeholders, so a translator sees it entire and
can reorder it. No message states or implies a date: timing depends on the complexity of
the work and the development queue, and the messages say exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.utils.translation import override, pgettext

from tracker.choices import DeclineReason, Event, Kind, Status
from tracker.models import Notification
from tracker.public_text import Chosen, choose
from tracker.relevance import title_language
from tracker.selectors import fallback_order, status_url


@dataclass(frozen=True)
class Facts:
    """What a message is about; the parts of a Notification that the text depends on."""

    event: str
    number: int
    status: str
    reason: str = ""
    public_note: str = ""
    merged_from: int | None = None
    # The note's published versions by language, and the language it was written in; empty
    # for a note given before there were versions (then `public_note` is its one version).
    notes: dict[str, str] = field(default_factory=dict, compare=False)
    note_source: str = ""
    # The request's kind: a defect hears that its error report was registered.
    kind: str = Kind.SUGGESTION

    @classmethod
    def of(cls, notification: Notification) -> Facts:
        notes: dict[str, str] = {}
        source = ""
        if notification.note_id is not None and notification.note is not None:
            # Prefetched by the worker's claim (published versions only).
            for text in notification.note.texts.all():
                source = source or text.source_language
                if not text.is_draft:
                    notes[text.language] = text.text
        return cls(
            event=notification.event,
            number=notification.request_id,
            status=notification.status,
            reason=notification.reason,
            public_note=notification.public_note,
            merged_from=notification.merged_from,
            notes=notes,
            note_source=source,
            # The worker's claim fetches the request with the notification.
            kind=notification.request.kind,
        )

    def note_in(self, language: str) -> Chosen | None:
        """The note's version a thread of `language` reads (tracker.public_text)."""
        notes, source = self.notes, self.note_source
        if not notes and self.public_note:
            source = title_language(self.public_note)
            notes = {source: self.public_note}
        return choose(notes, wanted=language, source=source or "en", order=fallback_order())


def render(notification: Notification) -> str:
    """The text posted into the notification's thread, in the thread's language."""
    return render_facts(Facts.of(notification), language=notification.thread.language)


def render_facts(facts: Facts, *, language: str) -> str:
    with override(language):
        values = {
            "number": facts.number,
            "merged_from": facts.merged_from,
            "status_url": status_url(facts.number),
            "partner_url": settings.TRACKER_PARTNER_DIRECTORY_URL,
            "marketplace_url": settings.TRACKER_MARKETPLACE_SUPPORT_URL,
        }
        message = _body(facts) % values
        note = facts.note_in(language)
        if note is None:
            return message
        return _with_note(note) % {"message": message, "note": note.text}


def _with_note(note: Chosen) -> str:
    """The message and the note. A note in another language than the thread's stands on its
    own line under a sentence that says which language it is in: never inside a sentence."""
    if not note.is_fallback:
        return pgettext("notification", "%(message)s\n\nA note from the product team: %(note)s")
    if note.language == "ru":
        return pgettext(
            "notification", "%(message)s\n\nA note from the product team, in Russian:\n%(note)s"
        )
    if note.language == "ja":
        return pgettext(
            "notification",
            "%(message)s\n\nA note from the product team, in Japanese:\n%(note)s",
        )
    return pgettext(
        "notification", "%(message)s\n\nA note from the product team, in English:\n%(note)s"
    )


def render_subject(facts: Facts, *, language: str) -> str:
    """A subject line, for channels that have one (email)."""
    with override(language):
        return pgettext("notification", "Request #%(number)s") % {"number": facts.number}


def _body(facts: Facts) -> str:
    if facts.event == Event.REGISTERED and facts.kind == Kind.DEFECT:
        return pgettext(
            "notification",
            "Thank you for the report. We have registered the error as request #%(number)s "
            "and passed it to the developers. Each time the request changes, we will let you "
            "know in this chat. You can also check its status here: %(status_url)s",
        )
    if facts.event == Event.ATTACHED and facts.status != Status.UNDER_REVIEW:
        fitting = _attached_body(facts)
        if fitting:
            return fitting
    if facts.event == Event.REGISTERED:
        return pgettext(
            "notification",
            "Thank you for your suggestion. We have recorded it as request #%(number)s. "
            "Each time the request changes, we will let you know in this chat. "
            "You can also check its status here: %(status_url)s",
        )
    if facts.event == Event.ATTACHED:
        return pgettext(
            "notification",
            "Thank you. Other customers have asked for this too, so we have added your wish "
            "to request #%(number)s. The more customers ask for something, the higher it "
            "stands in the development queue. Each time the request changes, we will let "
            "you know in this chat. Its status: %(status_url)s",
        )
    if facts.event == Event.MERGED:
        return pgettext(
            "notification",
            "Request #%(merged_from)s describes the same thing as request #%(number)s, so "
            "we have joined them. From now on it is tracked under number #%(number)s, and "
            "you will keep receiving its notifications in this chat. Its status: "
            "%(status_url)s",
        )
    return _status_body(facts.status, facts.reason)


def _attached_body(facts: Facts) -> str:
    """A thread attached to a request that is already decided hears what that decision
    means for it, not "the more customers ask, the higher it stands in the queue"."""
    if facts.status == Status.DONE:
        return pgettext(
            "notification",
            "Thank you. What you asked for is already done as request #%(number)s: it is "
            "already available. In the cloud version the update installs itself, so you do "
            "not need to do anything. Its status: %(status_url)s",
        )
    if facts.status == Status.IN_PROGRESS:
        return pgettext(
            "notification",
            "Thank you. Other customers have asked for this too, and work on it has already "
            "started as request #%(number)s. We have added your wish to it. When it is "
            "finished, you will receive a notification in this chat. Its status: "
            "%(status_url)s",
        )
    if facts.status == Status.DECLINED and facts.reason == DeclineReason.PARTNER_WORK:
        return pgettext(
            "notification",
            "Thank you. We have recorded your wish with request #%(number)s. It is "
            "implementation or customization work, such as building or debugging a large "
            "workflow: support does not do this work, official partners do, and they will "
            "gladly help. You can choose a partner here: %(partner_url)s",
        )
    if facts.status == Status.DECLINED and facts.reason == DeclineReason.MARKETPLACE_APP:
        return pgettext(
            "notification",
            "Thank you. We have recorded your report with request #%(number)s. It concerns "
            "an error in a Marketplace application, which third-party developers make: "
            "please contact the application's developer directly, through the Support tab "
            "on the application's page: %(marketplace_url)s",
        )
    if facts.status == Status.DECLINED:
        return pgettext(
            "notification",
            "Thank you. We have recorded your wish with request #%(number)s. It is not "
            "planned for development: all suggestions stay recorded, and work is planned by "
            "how many customers ask, how critical it is and the product managers' "
            "priorities. Its status: %(status_url)s",
        )
    if facts.kind == Kind.DEFECT:
        return pgettext(
            "notification",
            "Thank you for the report. Other customers have reported this error too, so we "
            "have added your report to request #%(number)s. Each time the request changes, "
            "we will let you know in this chat. Its status: %(status_url)s",
        )
    return ""


def _status_body(status: str, reason: str) -> str:
    if status == Status.UNDER_REVIEW:
        return pgettext(
            "notification",
            "Request #%(number)s is under review again. Developers and product managers "
            "decide on it by how many customers ask for it, how critical it is and its "
            "priority. We cannot name a date: timing depends on the complexity of the work "
            "and the development queue. Its status: %(status_url)s",
        )
    if status == Status.ACCEPTED:
        return pgettext(
            "notification",
            "Request #%(number)s has been accepted for development. We cannot name a "
            "date: timing depends on the complexity of the work and the development "
            "queue. Each time the request changes, we will let you know in this chat. "
            "Its status: %(status_url)s",
        )
    if status == Status.IN_PROGRESS:
        return pgettext(
            "notification",
            "Work on request #%(number)s has started. When it is finished, you will "
            "receive a notification in this chat. Its status: %(status_url)s",
        )
    if status == Status.DONE:
        return pgettext(
            "notification",
            "The work on request #%(number)s is finished. In the cloud version the "
            "update installs itself: you do not need to do anything. Its status: "
            "%(status_url)s",
        )
    if status == Status.DECLINED and reason == DeclineReason.PARTNER_WORK:
        return pgettext(
            "notification",
            "Request #%(number)s is implementation or customization work, such as "
            "building or debugging a large workflow. Support does not do this work; "
            "official partners do it, and they will gladly help. You can choose a "
            "partner here: %(partner_url)s",
        )
    if status == Status.DECLINED and reason == DeclineReason.MARKETPLACE_APP:
        return pgettext(
            "notification",
            "Request #%(number)s concerns an error in a Marketplace application. These "
            "applications are made by third-party developers, so please contact the "
            "application's developer directly, through the Support tab on the "
            "application's page: %(marketplace_url)s",
        )
    if status == Status.DECLINED:
        return pgettext(
            "notification",
            "Request #%(number)s is not planned for development. Your wish stays recorded: "
            "all suggestions are recorded, and work is planned by how many customers ask, "
            "how critical it is and the product managers' priorities. Its status: "
            "%(status_url)s",
        )
    # A duplicate is announced by the merge; any other status gets the plain news.
    return pgettext(
        "notification",
        "The status of request #%(number)s has changed. Its status: %(status_url)s",
    )


def all_facts() -> list[Facts]:
    """One example of every message there is: for tests and for reviewing the texts."""
    number, other = 1042, 1001
    facts = [
        Facts(event=Event.REGISTERED, number=number, status=Status.UNDER_REVIEW),
        Facts(event=Event.REGISTERED, number=number, status=Status.UNDER_REVIEW, kind=Kind.DEFECT),
        Facts(event=Event.ATTACHED, number=number, status=Status.ACCEPTED, kind=Kind.DEFECT),
        Facts(event=Event.ATTACHED, number=number, status=Status.IN_PROGRESS),
        Facts(event=Event.ATTACHED, number=number, status=Status.DONE),
        *(
            Facts(event=Event.ATTACHED, number=number, status=Status.DECLINED, reason=reason)
            for reason in DeclineReason
        ),
        Facts(event=Event.ATTACHED, number=number, status=Status.ACCEPTED),
        Facts(event=Event.MERGED, number=number, status=Status.ACCEPTED, merged_from=other),
        Facts(
            event=Event.MERGED,
            number=number,
            status=Status.ACCEPTED,
            merged_from=other,
            public_note="Both ask for the same export.",
        ),
    ]
    for status in (Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE):
        facts.append(Facts(event=Event.STATUS_CHANGED, number=number, status=status))
    for reason in DeclineReason:
        facts.append(
            Facts(event=Event.STATUS_CHANGED, number=number, status=Status.DECLINED, reason=reason)
        )
    facts.append(
        Facts(
            event=Event.STATUS_CHANGED,
            number=number,
            status=Status.ACCEPTED,
            public_note="Many customers asked for this.",
        )
    )
    return facts
