"""A small bar chart of distinct customers raising a request per week, drawn on the
server as inline SVG so that it reads without JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from tracker.selectors import customers_per_week

WEEKS = 26
WIDTH = 520
HEIGHT = 120
LABEL_SPACE = 16
# Room above the bars for the peak's label.
TOP = 14


@dataclass(frozen=True)
class Bar:
    week: date
    customers: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class WeeklyChart:
    bars: tuple[Bar, ...]
    peak: int
    width: int = WIDTH
    height: int = TOP + HEIGHT + LABEL_SPACE

    @property
    def first(self) -> Bar | None:
        return self.bars[0] if self.bars else None

    @property
    def last(self) -> Bar | None:
        return self.bars[-1] if self.bars else None

    @property
    def end_x(self) -> float:
        return round(self.bars[-1].x + self.bars[-1].width, 1) if self.bars else 0.0


def weekly_customers(*, number: int, today: date | None = None) -> WeeklyChart:
    """Distinct customer accounts whose threads raised the request (or a request merged
    into it) in each of the last WEEKS weeks, weeks starting on Monday."""
    return chart_of(customers_per_week(number=number), today=today)


@dataclass(frozen=True)
class Sparkline:
    """The small size of the chart, as the rising page draws one a row: no labels."""

    weeks: int = 12
    width: int = 96
    height: int = 24


def chart_of(
    counts: dict[date, int],
    *,
    today: date | None = None,
    size: Sparkline | None = None,
    fixed_weeks: bool = False,
) -> WeeklyChart:
    """The bars of `counts` (customers by the Monday of each week) up to this week: the
    request page's chart, or with `size` a sparkline. A sparkline always spans its weeks
    (`fixed_weeks`), so that rows compare; the page's chart starts at the first week."""
    if not counts and not fixed_weeks:
        return WeeklyChart(bars=(), peak=0)
    weeks_shown, width, height, top, label_space = WEEKS, WIDTH, HEIGHT, TOP, LABEL_SPACE
    if size:
        weeks_shown, width, height, top, label_space = size.weeks, size.width, size.height, 0, 0
    today = today or timezone.localdate()
    this_week = today - timedelta(days=today.weekday())
    first = this_week - timedelta(weeks=weeks_shown - 1)
    start = first if fixed_weeks or not counts else max(min(counts), first)
    weeks = [start + timedelta(weeks=i) for i in range((this_week - start).days // 7 + 1)]
    peak = max(counts.get(week, 0) for week in weeks) or 1
    # A few weeks still draw as narrow bars, left-aligned.
    slot = width / max(len(weeks), 12)
    bars = []
    for i, week in enumerate(weeks):
        customers = counts.get(week, 0)
        bar_height = round(height * customers / peak, 1)
        bars.append(
            Bar(
                week=week,
                customers=customers,
                x=round(i * slot + 1, 1),
                y=round(top + height - bar_height, 1),
                width=round(max(slot - 2, 1), 1),
                height=bar_height,
            )
        )
    return WeeklyChart(bars=tuple(bars), peak=peak, width=width, height=top + height + label_space)
