"""What both chat apps share: the closest requests for a customer's message, and logging
the agent's choice through the intake service."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tracker import services
from tracker.choices import Criticality, Kind, Status
from tracker.models import Channel, FeatureRequest
from tracker.search import similar_requests
from tracker.services.intake import LogResult, thread_language

# How many existing requests the agent is shown for a message.
CLOSEST = 5


@dataclass(frozen=True)
class Closest:
    number: int
    title: str
    status: str
    customers: int

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def customers_text(self) -> str:
        return customers(self.customers)

    def summary(self) -> str:
        """One line for the agent: number, title, status and how many customers."""
        return _("#%(number)s %(title)s · %(status)s · %(customers)s") % {
            "number": self.number,
            "title": self.title,
            "status": self.status_label,
            "customers": customers(self.customers),
        }


def customers(count: int) -> str:
    return ngettext("%(count)s customer", "%(count)s customers", count) % {"count": count}


def closest_requests(text: str, *, limit: int = CLOSEST) -> list[Closest]:
    """The existing requests most like the customer's message, in any language, with how
    many customers raised each."""
    found = similar_requests(query=text, limit=limit)
    counts = dict(
        FeatureRequest.objects.filter(number__in=[s.number for s in found]).values_list(
            "number", "customer_count"
        )
    )
    return [
        Closest(number=s.number, title=s.title, status=s.status, customers=counts.get(s.number, 0))
        for s in found
    ]


@dataclass(frozen=True)
class Wish:
    """What the agent chose in the modal or the placement page."""

    request_number: int | None = None
    title: str = ""
    kind: str = Kind.SUGGESTION
    criticality: str = Criticality.NORMAL
    quote: str = ""
    language: str | None = None
    report: services.DefectReport = field(default_factory=services.DefectReport)


def wish_log(*, channel: Channel, ref: str, account: services.AccountData, wish: Wish) -> LogResult:
    """Log the thread `ref` of `channel` against the request the agent chose, or a new one,
    through the intake service (one transaction; the customer's notification is in the
    outbox when it returns)."""
    return services.intake_log(
        account=account,
        thread=services.ThreadData(channel=channel.slug, ref=ref, language=wish.language),
        request_number=wish.request_number,
        title=wish.title,
        kind=wish.kind,
        criticality=wish.criticality,
        quote=wish.quote,
        report=wish.report if wish.kind == Kind.DEFECT else None,
    )


def suggested_language(channel: Channel, text: str) -> str:
    """The language the form proposes for the thread: the one its words are written in."""
    return thread_language(channel=channel, words=text)
