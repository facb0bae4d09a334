"""How a login session maps back to a user, and when it stops being valid."""

from __future__ import annotations

import hmac

from flask_login import LoginManager

from portal.extensions import db
from portal.models import User


def load_user(session_id: str) -> User | None:
    """Session ids are "<user id>:<session token>" (see User.get_id).

    A deactivated user, or one whose token rotated (password change, "log out everywhere",
    deactivation), gets no user back, so both the session cookie and the remember-me cookie
    stop working at once.
    """
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(user.session_token, token):
        return None
    return user


def init_login_manager(manager: LoginManager) -> None:
    manager.user_loader(load_user)
    manager.login_view = "auth.login"
    manager.login_message = "Please log in to see that page."
    manager.login_message_category = "info"
    manager.session_protection = "basic"
