"""Who may use a staff route. Every staff view states its roles with `roles_required`."""

from __future__ import annotations

import functools

from flask import abort
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """Logged in, and one of `roles`; anyone else gets 403 (anonymous: the login page)."""

    def decorator(view):
        @functools.wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator


ANY_STAFF = ("rep", "manager", "admin")
