"""The ranking formula: pure, in one place. See docs/ranking.md for why it is shaped so.

score = demand points + criticality points + priority points
demand points = DEMAND_POINTS * log2(1 + weighted customers)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings


@dataclass(frozen=True)
class Weights:
    demand_points: float
    criticality_points: Mapping[str, float]
    priority_points: Mapping[str, float]

    @classmethod
    def from_settings(cls) -> Weights:
        return cls(
            demand_points=settings.TRACKER_DEMAND_POINTS,
            criticality_points=settings.TRACKER_CRITICALITY_POINTS,
            priority_points=settings.TRACKER_PRIORITY_POINTS,
        )


@dataclass(frozen=True)
class Part:
    name: str
    value: str
    points: float
    why: str


@dataclass(frozen=True)
class Ranking:
    score: float
    parts: tuple[Part, ...]


def plan_weight(plan: str) -> float:
    """How much one customer account on this plan counts."""
    return float(settings.TRACKER_PLAN_WEIGHTS.get(plan, 1.0))


def rank(
    *, weighted_customers: float, criticality: str, priority: str, weights: Weights
) -> Ranking:
    demand = round(weights.demand_points * math.log2(1 + max(weighted_customers, 0.0)), 2)
    crit = round(weights.criticality_points.get(criticality, 0.0), 2)
    prio = round(weights.priority_points.get(priority, 0.0), 2)
    parts = (
        Part(
            name="demand",
            value=f"{weighted_customers:g}",
            points=demand,
            why=(
                f"{weighted_customers:g} weighted customer accounts; "
                f"each doubling adds {weights.demand_points:g} points"
            ),
        ),
        Part(name="criticality", value=criticality, points=crit, why=f"criticality {criticality}"),
        Part(name="priority", value=priority, points=prio, why=f"priority {priority}"),
    )
    return Ranking(score=round(demand + crit + prio, 2), parts=parts)
