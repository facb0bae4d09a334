"""A seller on their own: one account that is rep, manager and admin at once.

Set up by `flask portal create-solo` or the first-run page (`/setup`, open only while the
install has no user at all). The account is an admin (every page and setting is theirs), lead
of a one-person team (its calendar counts their deadlines), and sells under their own name.
"A single-person install" is derived, not stored: exactly one active user, an admin leading
their own team. While it holds, the
pages drop what only makes sense for a team (comparisons, triage, teams) and show their own
figures; add a colleague and the team pages come back."""

from __future__ import annotations

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email

from portal.extensions import db
from portal.models import Team, User
from portal.models.user import MIN_PASSWORD_LENGTH
from portal.services.addresses import normalise_email
from portal.services.rules import RuleError
from portal.services.setup import ensure_sla_policies
from portal.services.staff.passwords import password_hash_method

MAX_NAME = 120


def has_users() -> bool:
    return db.session.scalar(sa.select(User.id).limit(1)) is not None


def is_solo_install() -> bool:
    """Exactly one active user, an admin who leads their own team (as create_solo makes them;
    a new organisation's first admin, in no team, is not a seller on their own)."""
    users = db.session.scalars(sa.select(User).where(User.active.is_(True)).limit(2)).all()
    if len(users) != 1:
        return False
    user = users[0]
    return user.is_admin and user.team is not None and user.team.lead_id == user.id


def create_solo(email: str, name: str, password: str) -> User:
    """The one account of a new install; refused once any user exists."""
    name = (name or "").strip()
    if not name or len(name) > MAX_NAME or any(c in name for c in "\r\n"):
        raise RuleError(f"Enter your name, on one line, up to {MAX_NAME} characters.", "name")
    try:
        validate_email(email or "", check_deliverability=False)
    except EmailNotValidError as exc:
        raise RuleError(f"Enter a valid email address ({exc}).", "email") from None
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise RuleError(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters.", "password"
        )
    if has_users():
        raise RuleError("This install already has users: sign in instead.")
    user = User(email=normalise_email(email), name=name, role="admin")
    user.set_password(password, method=password_hash_method())
    team = Team(name=name[:MAX_NAME])
    db.session.add_all([user, team])
    db.session.flush()
    user.team_id, team.lead_id = team.id, user.id
    db.session.commit()
    ensure_sla_policies()  # the deadlines their cases get (flask portal init does the same)
    return user
