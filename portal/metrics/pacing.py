"""Pacing of a goal through its timeline (docs/metrics.md, "Goals: pacing and forecast").

A goal runs from its start to its end (one period, or several in a row) and may have
milestones on the way. On any day it has:

- **elapsed**: the share of its time gone (whole time, UTC);
- **expected by today**: where the figure should be now. A count (sales) grows from 0 to the
  target; a rate or a time (CSAT, hours to first contact) moves from where it was before the
  goal (the period before the start) to the target, or stays at the target when it was
  there already. Both go in a straight line between the
  start, each milestone and the end;
- **forecast**: the figure at the end if things go on as so far. A count: what it has now,
  scaled up to the whole time (now / elapsed). A rate: what it is so far for the time gone,
  and what it was before the goal for the time left (elapsed x now + (1 - elapsed) x before),
  so that a few early cases do not swing it;
- **status**: "On track" when the forecast reaches the target, "At risk" when it does not,
  "No figure yet" with nothing to count; once the goal's time is over, "Met" or "Missed".

So on the 6th of a 30-day month a sales goal of 100 with 22 sales is on track (expected 17,
forecast 132), where comparing 22 with 100 said "At risk".
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime

# Units whose figure adds up over time (a goal on them is a total for the whole time).
CUMULATIVE_UNITS = ("count",)


@dataclass(frozen=True)
class Pace:
    elapsed: float  # 0..1
    expected: float | None
    forecast: float | None
    status: str
    ahead: bool | None  # the figure is at or past where it should be by today


def elapsed_share(start: datetime, end: datetime, now: datetime) -> float:
    whole = (end - start).total_seconds()
    if whole <= 0:
        return 1.0
    return max(0.0, min(1.0, (now - start).total_seconds() / whole))


def expected_value(
    elapsed: float,
    start_value: float,
    target: float,
    milestones: list[tuple[float, float]] = (),
) -> float:
    """Straight lines from (0, start_value) through each (elapsed share, value) milestone to
    (1, target)."""
    points = [(0.0, start_value), *sorted(milestones), (1.0, target)]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if elapsed <= x1:
            if x1 == x0:
                return y1
            return y0 + (y1 - y0) * (elapsed - x0) / (x1 - x0)
    return target


def reaches(value: float | None, target: float, higher_is_better: bool) -> bool | None:
    if value is None:
        return None
    return value >= target if higher_is_better else value <= target


def pace(
    *,
    unit: str,
    higher_is_better: bool,
    current: float | None,
    target: float,
    before: float | None,
    elapsed: float,
    milestones: list[tuple[float, float]] = (),
) -> Pace:
    """The pace of a goal (see the module's docstring). `before`: the figure of the period
    before the goal started (None: unknown)."""
    cumulative = unit in CUMULATIVE_UNITS
    if cumulative:
        start_value = 0.0
    elif before is None or reaches(before, target, higher_is_better):
        start_value = target  # already there before: hold the target all along
    else:
        start_value = before
    expected = expected_value(elapsed, start_value, target, milestones)
    if current is None:
        forecast = None
    elif elapsed >= 1:
        forecast = current
    elif cumulative:
        forecast = current / elapsed if elapsed > 0 else None
    else:
        forecast = elapsed * current + (1 - elapsed) * (before if before is not None else current)
    if elapsed >= 1:
        met = reaches(current, target, higher_is_better)
        status = "No figure yet" if met is None else ("Met" if met else "Missed")
    elif current is None:
        status = "No figure yet"
    else:
        status = "On track" if reaches(forecast, target, higher_is_better) else "At risk"
    ahead = None if current is None else reaches(current, expected, higher_is_better)
    return Pace(elapsed, expected, forecast, status, ahead)


def milestone_shares(
    milestones: list[tuple[date, float]], start: date, end: date
) -> list[tuple[float, float]]:
    """Milestones by date as (elapsed share at that date, value)."""
    days = (end - start).days or 1
    return [((day - start).days / days, value) for day, value in milestones]
