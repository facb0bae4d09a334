"""Case deadlines: the one place that turns an SLA policy into due times.

Business-hours policies count only the working time of the team's calendar: its time zone,
working days and hours, and holidays (the team's own and those of every team). "Days" in
business mode are working days: N days later at the same point of the working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Holiday, SlaPolicy, Team

# Enough for any SLA; a calendar with no working day at all fails loudly instead of looping.
MAX_DAYS_AHEAD = 3660


class Deadlines(NamedTuple):
    first_contact_due: datetime
    resolve_due: datetime


@dataclass(frozen=True)
class Calendar:
    zone: ZoneInfo
    workdays: frozenset[int]  # ISO weekdays, Monday = 1
    start: time
    end: time
    holidays: frozenset[date] = frozenset()

    @property
    def day_minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)

    def is_working_day(self, day: date) -> bool:
        return day.isoweekday() in self.workdays and day not in self.holidays


DEFAULT_CALENDAR = Calendar(ZoneInfo("Europe/Stockholm"), frozenset(range(1, 6)), time(8), time(17))


def parse_workdays(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part.strip())


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
    return Calendar(base.zone, base.workdays, base.start, base.end, frozenset(holidays))


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


def _due(start: datetime, amount: int, unit: str, business: bool, calendar: Calendar):
    if not business:
        return start + (timedelta(days=amount) if unit == "days" else timedelta(hours=amount))
    minutes = amount * (calendar.day_minutes if unit == "days" else 60)
    return add_working_minutes(start, minutes, calendar)


def deadlines_for(
    policy: SlaPolicy, opened_at: datetime, calendar: Calendar | None = None
) -> Deadlines:
    """When a case opened at `opened_at` must be first contacted and resolved."""
    if opened_at.tzinfo is None:
        raise ValueError(f"naive datetime {opened_at!r}: pass a timezone-aware (UTC) value")
    calendar = calendar or DEFAULT_CALENDAR
    business = policy.business_hours
    return Deadlines(
        first_contact_due=_due(
            opened_at, policy.first_contact_amount, policy.first_contact_unit, business, calendar
        ),
        resolve_due=_due(opened_at, policy.resolve_amount, policy.resolve_unit, business, calendar),
    )


def policy_for(severity: str) -> SlaPolicy:
    policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.severity == severity))
    if policy is None:
        from portal.services.setup import ensure_sla_policies

        ensure_sla_policies()
        policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.severity == severity))
    return policy
