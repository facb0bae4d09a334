"""Staff accounts as an administrator manages them, and the rules every change keeps: who
exists, their role and team, their absence and stand-in, whether they are active.

No Flask request state here. A change that breaks a rule raises `RuleError`, naming the form
field it concerns so the page can show the message next to that field. Passwords and
set-password links are passwords.py; teams and their calendars are teams.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Team, User
from portal.models.user import ROLES
from portal.services import audit
from portal.services.addresses import normalise_email
from portal.services.rules import RuleError
from portal.services.staff.passwords import password_hash_method, send_set_password_link

NO_TEAM = 0  # in a UserSearch: only users who are in no team
# What an edit changes, by audit action (docs/audit.md): one event per kind of change.
EDIT_ACTIONS = {
    "user.profile": ("name",),
    "user.role": ("role",),
    "user.team": ("team_id",),
    "user.absence": ("away_from", "away_until", "stand_in_id"),
}


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
    return user.away_until.date() if user.away_until and user.away_until > now else None


def away_from_date(user: User, now: datetime) -> date | None:
    """The first day of an absence still to come or going on, for the form."""
    if user.away_from is None or away_until_date(user, now) is None:
        return None
    return user.away_from.date()


# --- creating and editing users ------------------------------------------------------------


def create_user(
    email: str,
    name: str,
    role: str,
    team_id: int | None = None,
    password: str | None = None,
) -> User:
    """Create a staff user. Without a password, they are emailed a link to set one."""
    user = User(email=normalise_email(email), name=name.strip(), role=role, team_id=team_id)
    if password:
        user.set_password(password, method=password_hash_method())
    db.session.add(user)
    audit.record("user.created", user, after=audit.snapshot(user, ("name", "role", "team_id")))
    db.session.commit()
    if not password:
        send_set_password_link(user, kind="welcome")
    return user


def create_staff_user(email: str, name: str, role: str, team_id: int | None) -> User:
    """Create an account with no password; the user is emailed a link to set one."""
    email = normalise_email(email)
    _check_email_free(email)
    _check_role(role)
    _check_team(team_id)
    try:
        return create_user(email, name, role, team_id=team_id)
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
    away_on: date | None = None,
) -> None:
    """Save an administrator's edit of `user`'s profile, role, team and absence: away from
    `away_on` (None: from now) until `back_on`. Their cases move to the stand-in for that
    time (services/cases/cover.py)."""
    _check_role(role)
    if user.id == actor.id and user.is_admin and role != "admin":
        raise RuleError("You cannot remove your own admin role. Another administrator can.", "role")
    if user.is_manager and role != "manager":
        _check_leads_no_team(user)
    _check_team(team_id)
    if back_on is not None and back_on <= today:
        raise RuleError("Choose a date after today, or leave it empty.", "away_until")
    if away_on is not None and back_on is None:
        raise RuleError("Enter the day they are back too.", "away_until")
    if away_on is not None and away_on >= back_on:
        raise RuleError("The first day away must come before the day they are back.", "away_from")
    stand_in = _stand_in(user, stand_in_id)
    before = {a: audit.snapshot(user, f) for a, f in EDIT_ACTIONS.items()}

    user.name = name.strip()
    user.role = role
    user.team_id = team_id
    user.away_until = away_until_from_date(back_on)
    user.away_from = away_until_from_date(away_on) if back_on else None
    user.stand_in = stand_in
    if role != "rep":
        _release_stand_in_duties(user)
    db.session.flush()
    for action, names in EDIT_ACTIONS.items():
        audit.record_changes(action, user, before[action], audit.snapshot(user, names))
    db.session.commit()


def deactivate_user(actor: User, user: User) -> list[User]:
    """Deactivate `user`, ending all their sessions. Returns the users they stood in for."""
    if user.id == actor.id:
        raise RuleError("You cannot deactivate your own account. Another administrator can.")
    if not user.active:
        return []
    released = _release_stand_in_duties(user)
    audit.record(
        "user.deactivated",
        user,
        before={"active": True},
        after={"active": False, "no_longer_stand_in_for": [u.id for u in released]},
        actor=actor,
    )
    deactivate(user)
    return released


def reactivate_user(user: User) -> None:
    if not user.active:
        user.active = True
        audit.record("user.reactivated", user, before={"active": False}, after={"active": True})
    db.session.commit()


def resend_password_link(user: User) -> str:
    """Email `user` a set-password link again. Returns its kind: "welcome" or "reset"."""
    if not user.active:
        raise RuleError("Reactivate the account first: a deactivated user cannot log in.")
    kind = "reset" if user.password_hash else "welcome"
    send_set_password_link(user, kind=kind)
    return kind


def _check_email_free(email: str) -> None:
    if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise RuleError(f"{email} already has an account.", "email")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise RuleError("Choose a role from the list.", "role")


def _check_team(team_id: int | None) -> None:
    if team_id is not None and db.session.get(Team, team_id) is None:
        raise RuleError("That team no longer exists. Choose another.", "team")


def _check_leads_no_team(user: User) -> None:
    led = list(db.session.scalars(sa.select(Team.name).where(Team.lead_id == user.id)))
    if led:
        raise RuleError(
            f"{user.name} leads {', '.join(led)}, and a lead must be a manager. "
            "Choose another lead for that team first.",
            "role",
        )


def _stand_in(user: User, stand_in_id: int | None) -> User | None:
    if stand_in_id is None:
        return None
    stand_in = db.session.get(User, stand_in_id)
    if stand_in is None or stand_in.id == user.id or not stand_in.is_rep or not stand_in.active:
        raise RuleError("Choose an active rep, other than this user, as stand-in.", "stand_in")
    return stand_in


def _release_stand_in_duties(user: User) -> list[User]:
    """Whoever had `user` as stand-in has none now: only active reps stand in."""
    covered = list(db.session.scalars(sa.select(User).where(User.stand_in_id == user.id)))
    for other in covered:
        other.stand_in = None
    return covered


def deactivate(user: User) -> None:
    user.active = False
    user.rotate_sessions()
    db.session.commit()
