"""Teams as an administrator manages them: name, lead, and the working calendar that counts
the business-hours deadlines of their cases (services/sla/calendar.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from functools import cache
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Team, User
from portal.services import audit
from portal.services.rules import RuleError

TEAM_FIELDS = ("name", "lead_id", "timezone", "workdays", "workday_start", "workday_end")


def all_teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def team_rows() -> list[tuple[Team, int]]:
    """Every team, by name, with how many active members it has."""
    members = (
        sa.select(sa.func.count(User.id))
        .where(User.team_id == Team.id, User.active.is_(True))
        .scalar_subquery()
    )
    query = sa.select(Team, members).options(joinedload(Team.lead)).order_by(Team.name)
    return [(team, count) for team, count in db.session.execute(query)]


def create_team(name: str, lead_id: int | None, calendar: TeamCalendar | None = None) -> Team:
    """A new team; without a calendar it works Monday to Friday, 08:00-17:00, Stockholm time."""
    team = Team()
    _save_team(team, name, lead_id, calendar)
    return team


def update_team(
    team: Team, name: str, lead_id: int | None, calendar: TeamCalendar | None = None
) -> None:
    """Save a team; `calendar` None keeps its working calendar as it is."""
    _save_team(team, name, lead_id, calendar)


def _save_team(team: Team, name: str, lead_id: int | None, calendar: TeamCalendar | None) -> None:
    name = " ".join(name.split())
    _check_team_name_free(name, team)
    lead = _lead(team, lead_id)
    if calendar is not None:
        check_team_calendar(calendar)
    new = team.id is None
    before = {} if new else audit.snapshot(team, TEAM_FIELDS)
    team.name = name
    team.lead = lead
    if calendar is not None:
        calendar.apply_to(team)
    db.session.add(team)
    try:
        db.session.flush()  # the new team's id, for the audit trail
        if new:
            audit.record("team.created", team, after=audit.snapshot(team, TEAM_FIELDS))
        else:
            after = audit.snapshot(team, TEAM_FIELDS)
            audit.record_changes("team.updated", team, before, after)
        db.session.commit()
    except IntegrityError:
        # Another admin took the name a moment ago.
        db.session.rollback()
        _check_team_name_free(name, team)
        raise


def _check_team_name_free(name: str, team: Team) -> None:
    query = sa.select(Team.id).where(sa.func.lower(Team.name) == name.lower())
    if team.id is not None:
        query = query.where(Team.id != team.id)
    if db.session.scalar(query) is not None:
        raise RuleError(f"There is already a team called {name}. Choose another name.", "name")


def _lead(team: Team, lead_id: int | None) -> User | None:
    if lead_id is None:
        return None
    if lead_id == team.lead_id:
        return team.lead  # unchanged: kept even if they have since left or changed role
    lead = db.session.get(User, lead_id)
    if lead is None or not lead.is_manager or not lead.active:
        raise RuleError("Choose an active manager as lead.", "lead")
    return lead


# --- team working calendars -----------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class TeamCalendar:
    """When a team works: business-hours deadlines of its cases count only this time
    (services/sla/calendar.py calendar_for_team). A change applies to cases opened from then on."""

    timezone: str
    workdays: frozenset[int]  # ISO weekdays, Monday = 1
    start: time
    end: time
    # An on-call rota: wall-clock SLA policies run day and night for this team only.
    round_the_clock: bool = False

    @classmethod
    def of(cls, team: Team) -> TeamCalendar:
        return cls(
            timezone=team.timezone,
            workdays=frozenset(int(d) for d in team.workdays.split(",") if d.strip()),
            start=team.workday_start,
            end=team.workday_end,
            round_the_clock=bool(team.round_the_clock),
        )

    def apply_to(self, team: Team) -> None:
        team.timezone = self.timezone
        team.workdays = ",".join(str(d) for d in sorted(self.workdays))
        team.workday_start = self.start
        team.workday_end = self.end
        team.round_the_clock = self.round_the_clock


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_team_calendar(calendar: TeamCalendar) -> None:
    if calendar.timezone not in known_timezones():
        raise RuleError("Choose a time zone from the list.", "timezone")
    if not calendar.workdays:
        raise RuleError("Choose at least one working day.", "workdays")
    if not calendar.workdays <= set(range(1, 8)):
        raise RuleError("Choose working days from the list.", "workdays")
    check_working_hours(calendar.start, calendar.end)


def check_working_hours(start: time, end: time) -> None:
    """One stretch of the day: it ends after it starts (a night shift across midnight is not
    supported by services/sla/calendar.py)."""
    if end <= start:
        raise RuleError(
            f"The working day must end later than it starts (at {start:%H:%M}).", "workday_end"
        )


def describe_workdays(workdays: frozenset[int]) -> str:
    """The days as a reader says them: "Mon-Fri" (with an en dash), "Mon, Tue, Sat",
    "Every day" (a run of three days or more as a range)."""
    if workdays == frozenset(range(1, 8)):
        return "Every day"
    runs: list[list[int]] = []
    for day in sorted(workdays):
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        first, last = WEEKDAYS[run[0] - 1][:3], WEEKDAYS[run[-1] - 1][:3]
        if len(run) >= 3:
            parts.append(f"{first}\N{EN DASH}{last}")
        else:
            parts.extend(WEEKDAYS[d - 1][:3] for d in run)
    return ", ".join(parts)


def describe_calendar(team: Team) -> str:
    """The team's working time in a few words: "Mon-Fri 08:00-17:00" (with en dashes)."""
    calendar = TeamCalendar.of(team)
    hours = f"{calendar.start:%H:%M}\N{EN DASH}{calendar.end:%H:%M}"
    rota = ", on call round the clock" if calendar.round_the_clock else ""
    return f"{describe_workdays(calendar.workdays)} {hours}{rota}"
