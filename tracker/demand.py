"""A request's demand figures and their arithmetic: pure, in one place, like the ranking.

A request's demand covers its own mentions and those of every request merged into it: how
many distinct customer accounts raised it (and their plan weights summed), how many
mentions there are, the highest criticality any of them gave, and when it was last raised.
Intake adds one mention, a merge absorbs the duplicate's figures, a recount builds them from
rows of mentions per account, and the load generator adds mentions in bulk: all of them
through `Demand`, so the rules (a customer counts once, the higher criticality wins, the
latest time wins) are written once. The one exception is an intake attaching to a request,
which adds its mention in SQL, in one atomic UPDATE (`tracker.db.add_demand`, the same rules),
so that intakes of many customers on one request do not queue on its row; tests hold the two
to the same figures (tests/api/test_hot_request.py, against a recount).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tracker.choices import CRITICALITY_RANK, Criticality

# The request's fields that hold its demand figures, in `Demand`'s order.
DEMAND_FIELDS = (
    "customer_count",
    "demand_weight",
    "mention_count",
    "mention_criticality",
    "last_raised_at",
)


# CRITICALITY_RANK by plain value: the load generator asks this a million times.
_SEVERITY: dict[str, int] = {c.value: rank for c, rank in CRITICALITY_RANK.items()}


class HasDemand(Protocol):
    """What holds demand figures: a feature request (kept as fields, saved by the caller)."""

    customer_count: int
    demand_weight: float
    mention_count: int
    mention_criticality: str
    last_raised_at: datetime | None


def higher_criticality(a: str, b: str) -> str:
    """The more severe of two criticalities; on a tie, the first."""
    return b if _SEVERITY[b] > _SEVERITY[a] else a


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return b if b > a else a


@dataclass(frozen=True)
class AccountMentions:
    """One customer account's mentions of a request (and of those merged into it)."""

    weight: float  # the plan weight of the account
    mentions: int
    criticality: str  # the highest they gave
    last_raised_at: datetime


@dataclass(frozen=True)
class Demand:
    customers: int = 0
    weight: float = 0.0
    mentions: int = 0
    criticality: str = Criticality.LOW
    last_raised_at: datetime | None = None

    @classmethod
    def of(cls, holder: HasDemand) -> Demand:
        return cls(
            customers=holder.customer_count,
            weight=holder.demand_weight,
            mentions=holder.mention_count,
            criticality=holder.mention_criticality,
            last_raised_at=holder.last_raised_at,
        )

    @classmethod
    def from_rows(cls, rows: Iterable[AccountMentions]) -> Demand:
        """The figures of mentions grouped one row per account: each row is one customer."""
        demand = cls()
        for row in rows:
            demand = demand._plus(
                customers=1,
                weight=row.weight,
                mentions=row.mentions,
                criticality=row.criticality,
                last_raised_at=row.last_raised_at,
            )
        return demand

    def add_mention(
        self, *, criticality: str, at: datetime, new_customer: bool, plan_weight: float
    ) -> Demand:
        """One more mention, made `at`; `new_customer` if its account had not raised the
        request before, in which case the account's `plan_weight` counts too."""
        return self._plus(
            customers=1 if new_customer else 0,
            weight=plan_weight if new_customer else 0.0,
            mentions=1,
            criticality=criticality,
            last_raised_at=at,
        )

    def absorb(self, merged: Demand, *, new_customer_weights: Iterable[float]) -> Demand:
        """These figures once `merged` (a duplicate's) count here too. Its customers that
        had raised this request already do not count again: `new_customer_weights` are the
        plan weights of those that had not."""
        weights = list(new_customer_weights)
        return self._plus(
            customers=len(weights),
            weight=sum(weights),
            mentions=merged.mentions,
            criticality=merged.criticality,
            last_raised_at=merged.last_raised_at,
        )

    def write_to(self, holder: HasDemand) -> None:
        """Set the holder's demand fields (`DEMAND_FIELDS`); the caller saves it."""
        holder.customer_count = self.customers
        holder.demand_weight = self.weight
        holder.mention_count = self.mentions
        holder.mention_criticality = self.criticality
        holder.last_raised_at = self.last_raised_at

    def _plus(
        self,
        *,
        customers: int,
        weight: float,
        mentions: int,
        criticality: str,
        last_raised_at: datetime | None,
    ) -> Demand:
        return Demand(
            customers=self.customers + customers,
            weight=self.weight + weight,
            mentions=self.mentions + mentions,
            criticality=higher_criticality(self.criticality, criticality),
            last_raised_at=_later(self.last_raised_at, last_raised_at),
        )
