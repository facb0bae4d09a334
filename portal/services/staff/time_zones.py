"""The time zone a staff member reads times in: their own setting, else their team's working
calendar, else the company's zone (services/organisation.py). Times are UTC in the database;
only what a person reads is in a zone."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from portal.extensions import db
from portal.models import User
from portal.services.organisation import organisation
from portal.services.rules import RuleError
from portal.services.staff.teams import known_timezones


def _zone(name: str | None) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def zone_of(user: User | None) -> ZoneInfo:
    """Where `user` is: their setting, their team's calendar zone, the company's zone."""
    own = _zone(user.time_zone) if user is not None else None
    return own or team_zone_of(user)


def team_zone_of(user: User | None) -> ZoneInfo:
    """The zone `user` gets without a setting of their own: their team's, else the company's."""
    team = _zone(user.team.timezone) if user is not None and user.team else None
    return team or _zone(organisation().zone_name) or ZoneInfo("UTC")


def set_time_zone(user: User, name: str | None) -> None:
    """Save the user's own zone; None or "" goes back to their team's."""
    if name and name not in known_timezones():
        raise RuleError("Choose a time zone from the list.", "time_zone")
    user.time_zone = name or None
    db.session.commit()
