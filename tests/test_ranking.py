"""The ranking formula as a table of cases: each row changes one input, all else equal."""

import math

import pytest

from tracker.ranking import Weights, rank

WEIGHTS = Weights(
    demand_points=10,
    criticality_points={"low": 0, "normal": 10, "high": 25, "critical": 40},
    priority_points={"none": 0, "p4": 5, "p3": 15, "p2": 30, "p1": 50},
)


def score(customers: float = 1, criticality: str = "normal", priority: str = "none") -> float:
    return rank(
        weighted_customers=customers, criticality=criticality, priority=priority, weights=WEIGHTS
    ).score


@pytest.mark.parametrize(
    ("higher", "lower"),
    [
        ({"customers": 2}, {"customers": 1}),
        ({"customers": 100}, {"customers": 99}),
        ({"criticality": "critical"}, {"criticality": "normal"}),
        ({"criticality": "high"}, {"criticality": "normal"}),
        ({"criticality": "normal"}, {"criticality": "low"}),
        ({"priority": "p1"}, {"priority": "p2"}),
        ({"priority": "p2"}, {"priority": "p3"}),
        ({"priority": "p3"}, {"priority": "p4"}),
        ({"priority": "p4"}, {"priority": "none"}),
    ],
)
def test_it_ranks_the_stronger_input_higher_all_else_equal(higher, lower):
    assert score(**higher) > score(**lower)


def test_each_doubling_of_demand_adds_the_same_points():
    assert score(customers=3) - score(customers=1) == pytest.approx(10, abs=0.01)
    assert score(customers=7) - score(customers=3) == pytest.approx(10, abs=0.01)


def test_no_customers_gives_no_demand_points():
    ranking = rank(weighted_customers=0, criticality="low", priority="none", weights=WEIGHTS)
    assert ranking.score == 0
    assert [part.points for part in ranking.parts] == [0, 0, 0]


def test_the_explanation_adds_up_to_the_score():
    ranking = rank(weighted_customers=12.5, criticality="high", priority="p2", weights=WEIGHTS)
    assert [part.name for part in ranking.parts] == ["demand", "criticality", "priority"]
    demand, criticality, priority = ranking.parts
    assert demand.points == round(10 * math.log2(13.5), 2)
    assert (criticality.points, priority.points) == (25, 30)
    assert ranking.score == pytest.approx(sum(part.points for part in ranking.parts))
    assert "12.5 weighted customer accounts" in demand.why


def test_weights_come_from_settings(settings):
    settings.TRACKER_DEMAND_POINTS = 1
    settings.TRACKER_CRITICALITY_POINTS = {"critical": 7}
    settings.TRACKER_PRIORITY_POINTS = {"p1": 3}
    ranking = rank(
        weighted_customers=1, criticality="critical", priority="p1", weights=Weights.from_settings()
    )
    assert ranking.score == 11
