"""Reporting periods: ISO weeks (Monday to Sunday), calendar months and quarters, in UTC.

A period is named by its kind and the date it starts on; it covers [start, next start).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property

from portal.models.coaching import PERIODS


@dataclass(frozen=True, order=True)
class Period:
    kind: str  # "week", "month" or "quarter"
    start: date

    def __post_init__(self):
        if self.kind not in PERIODS:
            raise ValueError(f"unknown period {self.kind!r}: use one of {', '.join(PERIODS)}")
        if self.start != period_start(self.kind, self.start):
            raise ValueError(f"{self.start} is not the first day of a {self.kind}")

    @cached_property
    def end(self) -> date:
        """The first day after the period."""
        if self.kind == "week":
            return self.start + timedelta(days=7)
        months = 1 if self.kind == "month" else 3
        month0 = self.start.month - 1 + months
        return date(self.start.year + month0 // 12, month0 % 12 + 1, 1)

    @cached_property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(0), UTC)

    @cached_property
    def ends_at(self) -> datetime:
        return datetime.combine(self.end, time(0), UTC)

    def contains(self, moment: datetime | None) -> bool:
        return moment is not None and self.starts_at <= moment < self.ends_at

    def next(self) -> Period:
        return Period(self.kind, self.end)

    def previous(self) -> Period:
        return Period(self.kind, period_start(self.kind, self.start - timedelta(days=1)))

    @property
    def days_text(self) -> str:
        """The days it covers, as people write them (the end day included, an en dash
        between): "23-29 November 2026", "30 November - 6 December 2026", "29 December 2025 -
        4 January 2026"."""
        first, last = self.start, self.end - timedelta(days=1)
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}\N{EN DASH}{last.day} {last:%B %Y}"
        if first.year == last.year:
            return f"{first.day} {first:%B} \N{EN DASH} {last.day} {last:%B %Y}"
        return f"{first.day} {first:%B %Y} \N{EN DASH} {last.day} {last:%B %Y}"

    @property
    def label(self) -> str:
        if self.kind == "week":
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind == "month":
            return self.start.strftime("%Y-%m")
        return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"


def period_start(kind: str, day: date) -> date:
    if kind == "week":
        return day - timedelta(days=day.weekday())
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    raise ValueError(f"unknown period {kind!r}: use one of {', '.join(PERIODS)}")


def period_of(kind: str, moment: datetime | date) -> Period:
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    return Period(kind, period_start(kind, day))


def periods_between(kind: str, first: datetime, last: datetime) -> list[Period]:
    """Every period of `kind` from the one holding `first` to the one holding `last`."""
    periods, current = [], period_of(kind, first)
    end = period_of(kind, last)
    while current <= end:
        periods.append(current)
        current = current.next()
    return periods


def recent(kind: str, now: datetime, count: int) -> list[Period]:
    """The last `count` periods of `kind`, oldest first, ending with the current one."""
    periods = [period_of(kind, now)]
    for _ in range(count - 1):
        periods.append(periods[-1].previous())
    return periods[::-1]
