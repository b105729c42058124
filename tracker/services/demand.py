"""Keeping each request's demand figures and score current, and rebuilding them."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Case, Count, IntegerField, Max, Value, When
from django.db.models.functions import Coalesce

from tracker.choices import CRITICALITY_RANK
from tracker.demand import DEMAND_FIELDS, AccountMentions, Demand
from tracker.models import FeatureRequest, Mention
from tracker.ranking import plan_weight
from tracker.services.locks import atomic_retried, lock_canonical_requests
from tracker.services.outbox import announce_public_change

# The severity of a mention's criticality as a number, for the database to take the highest.
_CRITICALITY_ORDINAL = Case(
    *[When(criticality=c.value, then=Value(rank)) for c, rank in CRITICALITY_RANK.items()],
    output_field=IntegerField(),
)


def save_ranked(request: FeatureRequest, *fields: str) -> None:
    """Save these fields with the score they give; a new customer count is public."""
    request.score = request.ranking().score
    request.save(update_fields=[*fields, "score"])
    if "customer_count" in fields:
        announce_public_change(request.number)


@atomic_retried
def requests_recount(*, numbers: Iterable[int]) -> int:
    """Recount demand figures and score of these requests from their mentions and those of
    requests merged into them, with the current plan weights. Returns how many changed."""
    requests = lock_canonical_requests(numbers)
    if not requests:
        return 0
    rows: dict[int, list[AccountMentions]] = {number: [] for number in requests}
    per_account = (
        Mention.objects.of_requests(requests)
        .annotate(canonical=Coalesce("request__duplicate_of_id", "request_id"))
        .values("canonical", "thread__account_id", "thread__account__plan")
        .annotate(n=Count("id"), last=Max("created_at"), crit=Max(_CRITICALITY_ORDINAL))
        .order_by()
    )
    criticalities = list(CRITICALITY_RANK)
    for row in per_account:
        rows[row["canonical"]].append(
            AccountMentions(
                weight=plan_weight(row["thread__account__plan"]),
                mentions=row["n"],
                criticality=criticalities[row["crit"]],
                last_raised_at=row["last"],
            )
        )
    changed = []
    for number, request in requests.items():
        before = [getattr(request, name) for name in (*DEMAND_FIELDS, "score")]
        Demand.from_rows(rows[number]).write_to(request)
        request.score = request.ranking().score
        if [getattr(request, name) for name in (*DEMAND_FIELDS, "score")] != before:
            changed.append(request)
    FeatureRequest.objects.bulk_update(changed, [*DEMAND_FIELDS, "score"])
    announce_public_change(*(request.number for request in changed))
    return len(changed)
