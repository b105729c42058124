"""Product managers' decisions: status, merge, wording, priority and criticality."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tracker.choices import Criticality, DeclineReason, Event, Kind, Priority, Status
from tracker.demand import DEMAND_FIELDS, Demand
from tracker.errors import MergeNotAllowed, TrackerError, TransitionNotAllowed, lazy_message
from tracker.models import (
    PRODUCT_MANAGERS,
    Account,
    DecisionKind,
    FeatureRequest,
    Mention,
    ProductArea,
    StatusChange,
)
from tracker.ranking import plan_weight
from tracker.services.checks import clean_title, require_choice
from tracker.services.demand import save_ranked
from tracker.services.locks import (
    atomic_retried,
    lock_for_merge,
    lock_request,
    missing_request,
)
from tracker.services.outbox import announce_public_change, notify, threads_following
from tracker.services.public_text import Given, clean_versions, first_written, note_write
from tracker.services.record import record_decision

# Which status may follow which. `duplicate` is reached only by merging.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.UNDER_REVIEW: frozenset({Status.ACCEPTED, Status.DECLINED}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.UNDER_REVIEW, Status.DECLINED}),
    Status.IN_PROGRESS: frozenset({Status.DONE, Status.ACCEPTED, Status.DECLINED}),
    Status.DONE: frozenset({Status.IN_PROGRESS}),
    Status.DECLINED: frozenset({Status.UNDER_REVIEW}),
    Status.DUPLICATE: frozenset(),
}
MERGEABLE_INTO = frozenset({Status.UNDER_REVIEW, Status.ACCEPTED, Status.IN_PROGRESS, Status.DONE})


def transition_refusal(current: str, status: str) -> TransitionNotAllowed | None:
    """Why a request that is `current` cannot become `status`, naming both by their labels
    in the language the message is shown in; None when it can. The service refuses with it,
    and the admin's forms before anything is confirmed."""
    if status in TRANSITIONS.get(current, ()):
        return None
    return TransitionNotAllowed(
        lazy_message(
            _("A request that is %(current)s cannot become %(status)s."),
            current=Status(current).label,
            status=Status(status).label,
        ),
        field="status",
    )


@dataclass(frozen=True)
class MergeOutcome:
    """What merging several requests into one did: each is merged or refused on its own."""

    into: int
    merged: tuple[int, ...] = ()
    # The number of each request that was not merged, with why.
    refused: Mapping[int, TrackerError] = field(default_factory=dict)


@atomic_retried
def request_transition(
    *,
    number: int,
    status: str,
    public_note: Given = "",
    reason: str = "",
    by: User | None = None,
) -> FeatureRequest:
    """Move a request to another status, tell every thread that raised it."""
    request = lock_request(number)
    if status == Status.DUPLICATE:
        raise TransitionNotAllowed(
            _("A request becomes a duplicate by merging it into another."), field="status"
        )
    require_choice(status, Status, field="status")
    if refusal := transition_refusal(request.status, status):
        raise refusal
    if status == Status.DECLINED:
        require_choice(
            reason,
            DeclineReason,
            field="reason",
            message=lazy_message(
                _("Declining needs a reason: %(reasons)s."),
                reasons=", ".join(DeclineReason.values),
            ),
        )
    elif reason:
        raise TrackerError(_("A reason is given only when declining."), field="reason")
    notes = _note_versions(public_note)

    record_decision(
        kind=DecisionKind.STATUS,
        request=request,
        by=by,
        changes={
            "status": (request.status, status),
            "decline_reason": (request.decline_reason, reason),
        },
    )
    change = StatusChange.objects.create(
        request=request,
        from_status=request.status,
        to_status=status,
        reason=reason,
        public_note=notes.get(first_written(notes), ""),
        changed_by=by,
    )
    note_write(change=change, versions=notes, by=by)
    request.status = status
    request.decline_reason = reason
    request.status_changed_at = timezone.now()
    request.save(update_fields=["status", "decline_reason", "status_changed_at"])
    announce_public_change(request.number)
    notify(
        request=request,
        thread_ids=threads_following(request.number),
        event=Event.STATUS_CHANGED,
        reason=reason,
        public_note=change.public_note,
        note=change if notes else None,
    )
    return request


@atomic_retried
def request_merge(
    *, number: int, into: int, public_note: Given = "", by: User | None = None
) -> FeatureRequest:
    """Merge request `number` into request `into` as a duplicate. From then on the
    duplicate's threads and customers count for the survivor; the duplicate keeps its
    number and its history, and its threads are told where it is tracked now."""
    if number == into:
        raise MergeNotAllowed(_("A request cannot be merged into itself."), field="into")
    duplicate, survivor, moved = lock_for_merge(number=number, into=into)
    if duplicate.status == Status.DUPLICATE:
        raise MergeNotAllowed(
            lazy_message(
                _("Request %(number)s is already merged into %(into)s."),
                number=number,
                into=duplicate.duplicate_of_id,
            ),
            field="number",
        )
    if survivor.status not in MERGEABLE_INTO:
        raise MergeNotAllowed(
            lazy_message(
                _("Request %(number)s is %(status)s; merge into an open or done request."),
                number=into,
                status=Status(survivor.status).label,
            ),
            field="into",
        )
    notes = _note_versions(public_note)

    # Customers of the duplicate's family that the survivor's family does not have yet.
    new_accounts = list(
        Account.objects.filter(threads__mentions__in=Mention.objects.of_family(number))
        .exclude(threads__mentions__in=Mention.objects.of_family(into))
        .distinct()
        .values_list("pk", "plan")
    )
    # Read now: the family changes below.
    duplicate_threads = list(threads_following(number))
    # The duplicate's customers that the survivor had already are not new to it any more.
    Mention.objects.of_family(number).filter(new_customer=True).exclude(
        thread__account_id__in=[pk for pk, _ in new_accounts]
    ).update(new_customer=False)
    Demand.of(survivor).absorb(
        Demand.of(duplicate), new_customer_weights=[plan_weight(plan) for _, plan in new_accounts]
    ).write_to(survivor)
    save_ranked(survivor, *DEMAND_FIELDS)

    # Keep merges one level deep: what was merged into the duplicate now points at the
    # survivor, so "a request and its duplicates" is always one simple query.
    had = set(FeatureRequest.objects.filter(duplicate_of=survivor).values_list("number", flat=True))
    FeatureRequest.objects.filter(number__in=[other.number for other in moved]).update(
        duplicate_of=survivor
    )
    record_decision(
        kind=DecisionKind.MERGE,
        request=duplicate,
        by=by,
        changes={
            "status": (duplicate.status, Status.DUPLICATE),
            "decline_reason": (duplicate.decline_reason, ""),
            "duplicate_of": (None, into),
        },
    )
    for other in moved:
        record_decision(
            kind=DecisionKind.MERGE,
            request=other,
            by=by,
            changes={"duplicate_of": (number, into)},
        )
    record_decision(
        kind=DecisionKind.MERGE,
        request=survivor,
        by=by,
        changes={"duplicates": (had, {*had, number, *(other.number for other in moved)})},
    )
    change = StatusChange.objects.create(
        request=duplicate,
        from_status=duplicate.status,
        to_status=Status.DUPLICATE,
        public_note=notes.get(first_written(notes), ""),
        changed_by=by,
    )
    note_write(change=change, versions=notes, by=by)
    duplicate.status = Status.DUPLICATE
    duplicate.decline_reason = ""
    duplicate.duplicate_of = survivor
    duplicate.status_changed_at = timezone.now()
    duplicate.save(update_fields=["status", "decline_reason", "duplicate_of", "status_changed_at"])
    announce_public_change(number)
    notify(
        request=survivor,
        thread_ids=duplicate_threads,
        event=Event.MERGED,
        public_note=change.public_note,
        note=change if notes else None,
        merged_from=number,
    )
    return survivor


def _note_versions(public_note: Given) -> dict[str, str]:
    """A decision's note by language, the version written first first; blanks left out."""
    versions = clean_versions(public_note, field="public_note")
    return {language: text for language, text in versions.items() if text}


def request_merge_target(*, numbers: Iterable[int], into: int) -> FeatureRequest:
    """The request to keep when merging `numbers` into `into`, once the checks that concern
    the whole merge pass: it must exist, and some other request must be merged into it.
    Whether it is open is checked by each merge, under its lock."""
    survivor = FeatureRequest.objects.filter(number=into).first()
    if survivor is None:
        raise missing_request(into, field="into")
    if all(number == into for number in numbers):
        raise MergeNotAllowed(_("Give the number of another request to keep."), field="into")
    return survivor


def request_merge_many(
    *, numbers: Iterable[int], into: int, public_note: Given = "", by: User | None = None
) -> MergeOutcome:
    """Merge each of `numbers` into `into`, each in its own transaction: one that is
    refused (already merged, or the survivor is not open) leaves the others merged.
    `into` itself among `numbers` is passed over. Raises only what concerns the whole
    merge (see `request_merge_target`)."""
    numbers = list(dict.fromkeys(numbers))
    request_merge_target(numbers=numbers, into=into)
    merged, refused = [], {}
    for number in numbers:
        if number == into:
            continue
        try:
            request_merge(number=number, into=into, public_note=public_note, by=by)
        except TrackerError as error:
            refused[number] = error
        else:
            merged.append(number)
    return MergeOutcome(into=into, merged=tuple(merged), refused=refused)


@atomic_retried
def request_edit(
    *, number: int, title: str, description: str, kind: str, by: User | None = None
) -> FeatureRequest:
    """Product managers' wording of a request. The title is public: the status page
    refreshes once the change is committed."""
    title = clean_title(title, if_blank="A request needs a title.")
    require_choice(kind, Kind, field="kind")
    request = lock_request(number)
    record_decision(
        kind=DecisionKind.WORDING,
        request=request,
        by=by,
        changes={
            "title": (request.title, title),
            "description": (request.description, description),
            "kind": (request.kind, kind),
        },
    )
    request.title, request.description, request.kind = title, description, kind
    request.save(update_fields=["title", "description", "kind"])
    announce_public_change(number)
    return request


@atomic_retried
def request_set_priority(*, number: int, priority: str, by: User | None = None) -> FeatureRequest:
    require_choice(priority, Priority, field="priority")
    request = lock_request(number)
    record_decision(
        kind=DecisionKind.PRIORITY,
        request=request,
        by=by,
        changes={"priority": (request.priority, priority)},
    )
    request.priority = priority
    save_ranked(request, "priority")
    return request


@atomic_retried
def request_set_criticality(
    *, number: int, criticality: str, by: User | None = None
) -> FeatureRequest:
    """Set the product managers' criticality; blank goes back to the customers' highest."""
    if criticality:
        require_choice(criticality, Criticality, field="criticality")
    request = lock_request(number)
    record_decision(
        kind=DecisionKind.CRITICALITY,
        request=request,
        by=by,
        changes={"criticality": (request.criticality, criticality)},
    )
    request.criticality = criticality
    save_ranked(request, "criticality")
    return request


# --- product areas and owners -------------------------------------------------------------


@atomic_retried
def request_set_area(*, number: int, area: int | None, by: User | None = None) -> FeatureRequest:
    """Put a request in a product area (by its id), or in none."""
    if area is not None and not ProductArea.objects.filter(pk=area).exists():
        raise TrackerError(
            lazy_message(_("There is no product area %(area)s."), area=area), field="area"
        )
    request = lock_request(number)
    request.area_id = area
    request.save(update_fields=["area"])
    return request


@atomic_retried
def request_set_owner(*, number: int, owner: int | None, by: User | None = None) -> FeatureRequest:
    """Give a request to a product manager (by user id), or to nobody."""
    if (
        owner is not None
        and not User.objects.filter(
            pk=owner, is_active=True, groups__name=PRODUCT_MANAGERS
        ).exists()
    ):
        raise TrackerError(_("The owner must be an active product manager."), field="owner")
    request = lock_request(number)
    request.owner_id = owner
    request.save(update_fields=["owner"])
    return request
