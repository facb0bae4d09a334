"""Staff accounts and teams as an administrator manages them: the rules every change keeps.

No Flask request state here. A change that breaks a rule raises `StaffRuleError`, naming the
form field it concerns so the page can show the message next to that field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.auth import services as auth
from portal.extensions import db
from portal.models import Team, User
from portal.models.user import ROLES

NO_TEAM = 0  # in a UserSearch: only users who are in no team


class StaffRuleError(ValueError):
    """A change an administrator asked for would break a rule."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- finding users --------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSearch:
    text: str = ""  # part of the name or the email address
    role: str | None = None
    team_id: int | None = None  # NO_TEAM: users in no team
    active: bool | None = None


def users_query(search: UserSearch) -> sa.Select:
    """Users matching `search`, by name."""
    query = sa.select(User).options(joinedload(User.team), joinedload(User.stand_in))
    text = search.text.strip()
    if text:
        query = query.where(
            sa.or_(
                User.name.icontains(text, autoescape=True),
                User.email.icontains(text, autoescape=True),
            )
        )
    if search.role in ROLES:
        query = query.where(User.role == search.role)
    if search.team_id == NO_TEAM:
        query = query.where(User.team_id.is_(None))
    elif search.team_id is not None:
        query = query.where(User.team_id == search.team_id)
    if search.active is not None:
        query = query.where(User.active.is_(search.active))
    return query.order_by(User.name, User.id)


def all_teams() -> list[Team]:
    return list(db.session.scalars(sa.select(Team).order_by(Team.name)))


def stand_in_candidates(user: User) -> list[User]:
    """Who may stand in for `user`: any active rep but themselves."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.role == "rep", User.active.is_(True), User.id != user.id)
            .order_by(User.name)
        )
    )


def lead_candidates(team: Team | None = None) -> list[User]:
    """Who may lead a team: the active managers (and the team's current lead, whoever it is,
    so that saving a team without touching its lead never fails)."""
    allowed = sa.and_(User.role == "manager", User.active.is_(True))
    if team is not None and team.lead_id is not None:
        allowed = sa.or_(allowed, User.id == team.lead_id)
    return list(db.session.scalars(sa.select(User).where(allowed).order_by(User.name)))


# --- absence --------------------------------------------------------------------------------


def away_until_from_date(day: date | None) -> datetime | None:
    """The date a user is back becomes the moment they are back: that day, 00:00 UTC."""
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def away_until_date(user: User, now: datetime) -> date | None:
    """The date a user is back, for the form; an absence already over shows as none."""
    return user.away_until.date() if user.is_away(now) else None


# --- creating and editing users ------------------------------------------------------------


def create_staff_user(email: str, name: str, role: str, team_id: int | None) -> User:
    """Create an account with no password; the user is emailed a link to set one."""
    email = auth.normalise_email(email)
    _check_email_free(email)
    _check_role(role)
    _check_team(team_id)
    try:
        return auth.create_user(email, name, role, team_id=team_id)
    except IntegrityError:
        # Another admin created the same address a moment ago.
        db.session.rollback()
        _check_email_free(email)
        raise


def update_user(
    actor: User,
    user: User,
    *,
    name: str,
    role: str,
    team_id: int | None,
    back_on: date | None,
    stand_in_id: int | None,
    today: date,
) -> None:
    """Save an administrator's edit of `user`'s profile, role, team and absence."""
    _check_role(role)
    if user.id == actor.id and user.is_admin and role != "admin":
        raise StaffRuleError(
            "You cannot remove your own admin role. Another administrator can.", "role"
        )
    if user.is_manager and role != "manager":
        _check_leads_no_team(user)
    _check_team(team_id)
    if back_on is not None and back_on <= today:
        raise StaffRuleError("Choose a date after today, or leave it empty.", "away_until")
    stand_in = _stand_in(user, stand_in_id)

    user.name = name.strip()
    user.role = role
    user.team_id = team_id
    user.away_until = away_until_from_date(back_on)
    user.stand_in = stand_in
    if role != "rep":
        _release_stand_in_duties(user)
    db.session.commit()


def deactivate_user(actor: User, user: User) -> list[User]:
    """Deactivate `user`, ending all their sessions. Returns the users they stood in for."""
    if user.id == actor.id:
        raise StaffRuleError("You cannot deactivate your own account. Another administrator can.")
    if not user.active:
        return []
    released = _release_stand_in_duties(user)
    auth.deactivate(user)
    return released


def reactivate_user(user: User) -> None:
    user.active = True
    db.session.commit()


def resend_password_link(user: User) -> str:
    """Email `user` a set-password link again. Returns its kind: "welcome" or "reset"."""
    if not user.active:
        raise StaffRuleError("Reactivate the account first: a deactivated user cannot log in.")
    kind = "reset" if user.password_hash else "welcome"
    auth.send_set_password_link(user, kind=kind)
    return kind


def _check_email_free(email: str) -> None:
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise StaffRuleError(f"{email} already has an account.", "email")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise StaffRuleError("Choose a role from the list.", "role")


def _check_team(team_id: int | None) -> None:
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise StaffRuleError("That team no longer exists. Choose another.", "team")


def _check_leads_no_team(user: User) -> None:
    led = list(db.session.scalars(sa.select(Team.name).where(Team.lead_id == user.id)))
    if led:
        raise StaffRuleError(
            f"{user.name} leads {', '.join(led)}, and a lead must be a manager. "
            "Choose another lead for that team first.",
            "role",
        )


def _stand_in(user: User, stand_in_id: int | None) -> User | None:
    if stand_in_id is None:
        return None
    stand_in = db.session.get(User, stand_in_id)
    if stand_in is None or stand_in.id == user.id or not stand_in.is_rep or not stand_in.active:
        raise StaffRuleError("Choose an active rep, other than this user, as stand-in.", "stand_in")
    return stand_in


def _release_stand_in_duties(user: User) -> list[User]:
    """Whoever had `user` as stand-in has none now: only active reps stand in."""
    covered = list(db.session.scalars(sa.select(User).where(User.stand_in_id == user.id)))
    for other in covered:
        other.stand_in = None
    return covered


# --- teams ------------------------------------------------------------------------------------


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
    team.name = name
    team.lead = lead
    if calendar is not None:
        calendar.apply_to(team)
    db.session.add(team)
    try:
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
        raise StaffRuleError(f"There is already a team called {name}. Choose another name.", "name")


def _lead(team: Team, lead_id: int | None) -> User | None:
    if lead_id is None:
        return None
    if lead_id == team.lead_id:
        return team.lead  # unchanged: kept even if they have since left or changed role
    lead = db.session.get(User, lead_id)
    if lead is None or not lead.is_manager or not lead.active:
        raise StaffRuleError("Choose an active manager as lead.", "lead")
    return lead


# --- team working calendars -----------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class TeamCalendar:
    """When a team works: business-hours deadlines of its cases count only this time
    (services.sla.calendar_for_team). A change applies to cases opened from then on."""

    timezone: str
    workdays: frozenset[int]  # ISO weekdays, Monday = 1
    start: time
    end: time

    @classmethod
    def of(cls, team: Team) -> TeamCalendar:
        return cls(
            timezone=team.timezone,
            workdays=frozenset(int(d) for d in team.workdays.split(",") if d.strip()),
            start=team.workday_start,
            end=team.workday_end,
        )

    def apply_to(self, team: Team) -> None:
        team.timezone = self.timezone
        team.workdays = ",".join(str(d) for d in sorted(self.workdays))
        team.workday_start = self.start
        team.workday_end = self.end


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_team_calendar(calendar: TeamCalendar) -> None:
    if calendar.timezone not in known_timezones():
        raise StaffRuleError("Choose a time zone from the list.", "timezone")
    if not calendar.workdays:
        raise StaffRuleError("Choose at least one working day.", "workdays")
    if not calendar.workdays <= set(range(1, 8)):
        raise StaffRuleError("Choose working days from the list.", "workdays")
    check_working_hours(calendar.start, calendar.end)


def check_working_hours(start: time, end: time) -> None:
    """One stretch of the day: it ends after it starts (a night shift across midnight is not
    supported by services.sla)."""
    if end <= start:
        raise StaffRuleError(
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
    return f"{describe_workdays(calendar.workdays)} {hours}"
