"""How a login session maps back to a user, and when it stops being valid.

A login makes a session of its own: a random secret, kept in the user's session cookie (and
remember-me cookie), whose hash is a `LoginSession` row. Logging out deletes that row, so a
copy of either cookie taken before logging out opens nothing afterwards (issue 18). Logging
out everywhere deletes every row of the user and rotates their session token, as a password
change or a deactivation does.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask_login import LoginManager

from portal.extensions import db
from portal.models import LoginSession, User, utcnow

# A remember-me cookie lasts a year (Flask-Login's default); a row older than that is dead.
SESSION_LIFETIME = timedelta(days=365)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_session(user: User) -> None:
    """A new session for this device; call before `login_user`, which stores its id."""
    secret = secrets.token_urlsafe(32)
    db.session.add(LoginSession(user_id=user.id, secret_hash=_hash(secret)))
    db.session.execute(
        sa.delete(LoginSession).where(
            LoginSession.user_id == user.id,
            LoginSession.created_at < utcnow() - SESSION_LIFETIME,
        )
    )
    db.session.commit()
    user.session_secret = secret


def end_session(user: User) -> None:
    """This device's session ends: its cookies stop working, wherever they were copied."""
    secret = getattr(user, "session_secret", None)
    if secret:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.secret_hash == _hash(secret)))
        db.session.commit()


def end_all_sessions(user: User) -> None:
    """Every session of the user ends, on every device."""
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id))
    user.rotate_sessions()
    db.session.commit()


def session_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(LoginSession).where(LoginSession.user_id == user.id)
    )


def load_user(session_id: str) -> User | None:
    """Session ids are "<user id>:<session token>:<session secret>" (see User.get_id).

    A deactivated user, one whose token rotated (password change, "log out everywhere",
    deactivation), or a session that was logged out gets no user back, so both the session
    cookie and the remember-me cookie stop working at once.
    """
    user_id, token, secret = [*session_id.split(":"), "", "", ""][:3]
    if not user_id.isdigit() or not token or not secret:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    alive = db.session.scalar(
        sa.select(LoginSession.id).where(
            LoginSession.secret_hash == _hash(secret), LoginSession.user_id == user.id
        )
    )
    if alive is None:
        return None
    user.session_secret = secret
    return user


def init_login_manager(manager: LoginManager) -> None:
    manager.user_loader(load_user)
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to see that page."
    manager.login_message_category = "info"
    manager.session_protection = "basic"
