"""A request's demand arithmetic as tables of cases: one mention added, a duplicate absorbed,
the figures built from rows of mentions per account."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tracker.demand import DEMAND_FIELDS, AccountMentions, Demand, higher_criticality

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)

# Two customers (plan weights 2 and 0.5), three mentions, the highest "high".
SOME = Demand(customers=2, weight=2.5, mentions=3, criticality="high", last_raised_at=MONDAY)


@pytest.mark.parametrize(
    ("a", "b", "higher"),
    [
        ("low", "normal", "normal"),
        ("normal", "low", "normal"),
        ("high", "critical", "critical"),
        ("critical", "high", "critical"),
        ("normal", "high", "high"),
        ("high", "high", "high"),
    ],
)
def test_the_higher_criticality_wins_whichever_comes_first(a, b, higher):
    assert higher_criticality(a, b) == higher


def test_an_unknown_criticality_is_an_error_not_the_lowest():
    with pytest.raises(KeyError):
        higher_criticality("low", "urgent")


def test_no_demand_is_no_customer_at_the_lowest_criticality():
    assert Demand() == Demand(0, 0.0, 0, "low", None)


@pytest.mark.parametrize(
    ("before", "mention", "after"),
    [
        # The first mention of a new request.
        (
            Demand(),
            {"criticality": "normal", "at": MONDAY, "new_customer": True, "plan_weight": 2.0},
            Demand(1, 2.0, 1, "normal", MONDAY),
        ),
        # A new customer adds its plan's weight.
        (
            SOME,
            {"criticality": "low", "at": TUESDAY, "new_customer": True, "plan_weight": 3.0},
            Demand(3, 5.5, 4, "high", TUESDAY),
        ),
        # A customer who raised it before adds a mention, not a customer nor weight.
        (
            SOME,
            {"criticality": "normal", "at": TUESDAY, "new_customer": False, "plan_weight": 3.0},
            Demand(2, 2.5, 4, "high", TUESDAY),
        ),
        # A more critical mention raises the criticality.
        (
            SOME,
            {"criticality": "critical", "at": TUESDAY, "new_customer": False, "plan_weight": 1},
            Demand(2, 2.5, 4, "critical", TUESDAY),
        ),
        # A mention dated before the last one does not move the last time back.
        (
            Demand(1, 1.0, 1, "normal", TUESDAY),
            {"criticality": "normal", "at": MONDAY, "new_customer": False, "plan_weight": 1},
            Demand(1, 1.0, 2, "normal", TUESDAY),
        ),
    ],
)
def test_adding_one_mention(before, mention, after):
    assert before.add_mention(**mention) == after


@pytest.mark.parametrize(
    ("survivor", "duplicate", "new_weights", "after"),
    [
        # Every customer of the duplicate is new: all of its figures count.
        (SOME, Demand(2, 4.0, 5, "low", TUESDAY), [1.0, 3.0], Demand(4, 6.5, 8, "high", TUESDAY)),
        # One of its two customers had raised the survivor already: counted once.
        (SOME, Demand(2, 4.0, 5, "low", TUESDAY), [3.0], Demand(3, 5.5, 8, "high", TUESDAY)),
        # The duplicate's higher criticality carries over; the later time stays.
        (
            Demand(1, 1.0, 1, "low", TUESDAY),
            Demand(1, 1.0, 1, "critical", MONDAY),
            [],
            Demand(1, 1.0, 2, "critical", TUESDAY),
        ),
        # A duplicate never raised leaves the survivor as it was.
        (SOME, Demand(), [], SOME),
        # A survivor never raised takes the duplicate's figures.
        (
            Demand(),
            Demand(1, 2.0, 3, "high", MONDAY),
            [2.0],
            Demand(1, 2.0, 3, "high", MONDAY),
        ),
    ],
)
def test_absorbing_a_merged_request(survivor, duplicate, new_weights, after):
    assert survivor.absorb(duplicate, new_customer_weights=new_weights) == after


@pytest.mark.parametrize(
    ("rows", "demand"),
    [
        ([], Demand()),
        ([AccountMentions(2.0, 1, "normal", MONDAY)], Demand(1, 2.0, 1, "normal", MONDAY)),
        (
            [
                AccountMentions(2.0, 3, "low", TUESDAY),
                AccountMentions(0.5, 1, "critical", MONDAY),
            ],
            Demand(2, 2.5, 4, "critical", TUESDAY),
        ),
    ],
)
def test_building_from_rows_of_mentions_per_account(rows, demand):
    assert Demand.from_rows(rows) == demand


def test_mentions_added_one_by_one_make_what_their_rows_make():
    mentions = [
        # (account, plan weight, criticality, at)
        ("a", 2.0, "normal", MONDAY),
        ("b", 0.5, "high", MONDAY),
        ("a", 2.0, "low", TUESDAY),
    ]
    seen = set()
    one_by_one = Demand()
    for account, weight, criticality, at in mentions:
        one_by_one = one_by_one.add_mention(
            criticality=criticality, at=at, new_customer=account not in seen, plan_weight=weight
        )
        seen.add(account)

    rows = [AccountMentions(2.0, 2, "normal", TUESDAY), AccountMentions(0.5, 1, "high", MONDAY)]
    assert one_by_one == Demand.from_rows(rows) == Demand(2, 2.5, 3, "high", TUESDAY)


@dataclass
class Holder:
    customer_count: int = 0
    demand_weight: float = 0.0
    mention_count: int = 0
    mention_criticality: str = "low"
    last_raised_at: datetime | None = None


def test_the_figures_are_read_from_and_written_to_the_demand_fields():
    holder = Holder()
    SOME.write_to(holder)

    assert [getattr(holder, name) for name in DEMAND_FIELDS] == [2, 2.5, 3, "high", MONDAY]
    assert Demand.of(holder) == SOME
