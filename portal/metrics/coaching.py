"""Figures of coaching plans: a metric (or a complaint theme's share) over any window of days,
a plan's baseline, progress and verdict (docs/metrics.md, "Coaching plans").

A window is [start, end) in whole UTC days; its figures are computed from the facts exactly
as a period's are (definitions.compute), so "time to first contact" means the same on a plan
as on the scorecard.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from portal.metrics.definitions import METRICS, compute
from portal.metrics.facts import load_facts
from portal.metrics.themes import theme_pairs, theme_share

# The baseline of a plan: its figure over this many days before the plan started.
BASELINE_DAYS = 90


@dataclass(frozen=True)
class Window:
    """Days [start, end) in UTC; stands in for a Period wherever facts are loaded."""

    start: date
    end: date

    @cached_property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(0), UTC)

    @cached_property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time(0), UTC)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.starts_at <= moment < self.ends_at

    @property
    def label(self) -> str:
        return f"{self.start.isoformat()} to {(self.end - timedelta(days=1)).isoformat()}"


def baseline_window(started_on: date) -> Window:
    return Window(started_on - timedelta(days=BASELINE_DAYS), started_on)


def progress_window(started_on: date, due_on: date, now: datetime) -> Window:
    """From the start to today (included), never past the due date (included)."""
    today = now.astimezone(UTC).date()
    return Window(started_on, max(started_on, min(today, due_on)) + timedelta(days=1))


def figure(
    metric: str | None,
    theme_key: str | None,
    rep_ids: Iterable[int],
    window: Window,
    now: datetime,
) -> float | None:
    """The figure a plan is about over `window`: a metric of METRICS, or the share of the
    reps' complaints about a theme (metrics/themes.py). None: nothing to count."""
    reps = sorted(set(rep_ids))
    if theme_key is not None:
        return theme_share(theme_pairs(window.starts_at, window.ends_at, reps), theme_key)
    return compute(load_facts(window, now, reps)).get(metric)


def higher_is_better(metric: str | None) -> bool:
    """A theme's share should go down; a metric as its definition says."""
    return False if metric is None else METRICS[metric].higher_is_better is not False


def reached(value: float | None, target: float, better_high: bool) -> bool | None:
    if value is None:
        return None
    return value >= target if better_high else value <= target


def progress_share(
    baseline: float | None, current: float | None, target: float, better_high: bool
) -> int | None:
    """0-100: how much of the way from the baseline to the target the figure has gone
    (100 once the target is reached; 0 when it moved the wrong way). None without figures."""
    if current is None:
        return None
    if reached(current, target, better_high):
        return 100
    if baseline is None or baseline == target or reached(baseline, target, better_high):
        return 0
    gone = (current - baseline) / (target - baseline)
    return max(0, min(100, round(100 * gone)))
