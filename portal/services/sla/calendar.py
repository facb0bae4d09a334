"""Working calendars: a team's time zone, working days and hours, and holidays (the team's own
and those of every team), and how many minutes of working time lie between two moments.

Deadlines counted on a calendar are `services/sla/deadlines.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Holiday, Team

# Enough for any SLA; a calendar with no working day at all fails loudly instead of looping.
MAX_DAYS_AHEAD = 3660


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    workdays: frozenset[int]  # ISO weekdays, Monday = 1
    start: time
    end: time
    holidays: frozenset[date] = frozenset()
    # Someone answers day and night (an on-call rota, or a calendar of every day, all day):
    # only then may a wall-clock SLA policy promise a time at night (services/sla/deadlines.py).
    round_the_clock: bool = False

    @property
    def day_minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.workdays and day not in self.holidays


DEFAULT_CALENDAR = Calendar(ZoneInfo("Europe/Stockholm"), frozenset(range(1, 6)), time(8), time(17))


def parse_workdays(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part.strip())


def works_round_the_clock(team: Team) -> bool:
    """An on-call rota, or working every day from 00:00 to 23:59 (a day ends by 23:59 here)."""
    every_day = parse_workdays(team.workdays) == frozenset(range(1, 8))
    all_day = team.workday_start == time(0) and team.workday_end >= time(23, 59)
    return bool(team.round_the_clock) or (every_day and all_day)


def calendar_for_team(team: Team | None) -> Calendar:
    """The team's calendar, with its holidays and everyone's (no team: the default)."""
    if team is None:
        base = DEFAULT_CALENDAR
        holidays = db.session.scalars(sa.select(Holiday.day).where(Holiday.team_id.is_(None)))
    else:
        base = Calendar(
            ZoneInfo(team.timezone),
            parse_workdays(team.workdays),
            team.workday_start,
            team.workday_end,
        )
        holidays = db.session.scalars(
            sa.select(Holiday.day).where(
                sa.or_(Holiday.team_id.is_(None), Holiday.team_id == team.id)
            )
        )
    round_the_clock = team is not None and works_round_the_clock(team)
    return Calendar(
        base.zone, base.workdays, base.start, base.end, frozenset(holidays), round_the_clock
    )


def add_working_minutes(start: datetime, minutes: int, calendar: Calendar) -> datetime:
    """The moment `minutes` of working time after `start` (which may be outside hours)."""
    if start.tzinfo is None:
        raise ValueError(f"naive datetime {start!r}: pass a timezone-aware (UTC) value")
    if calendar.day_minutes <= 0 or not calendar.workdays:
        raise ValueError("the calendar has no working time")
    zone = calendar.zone
    cursor = start.astimezone(zone)
    day = cursor.date()
    remaining = timedelta(minutes=minutes)
    for _ in range(MAX_DAYS_AHEAD):
        if calendar.is_working_day(day):
            day_start = datetime.combine(day, calendar.start, zone)
            day_end = datetime.combine(day, calendar.end, zone)
            begin = max(cursor, day_start)
            if begin < day_end:
                available = day_end - begin
                if remaining <= available:
                    return (begin + remaining).astimezone(UTC)
                remaining -= available
        day += timedelta(days=1)
        cursor = datetime.combine(day, time(0), zone)
    raise ValueError("no deadline within ten years: check the team's working days")
