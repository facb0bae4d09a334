"""Device cookies: how login throttling stops attackers without locking the owner out.

Five wrong passwords from anywhere used to make even the right password answer 429 for
15 minutes, so anyone could lock any staff account (issue 18). Following OWASP's "Slow
Down Online Guessing Attacks with Device Cookies": a successful login (or setting a password
through the emailed link) leaves a signed cookie naming the user and this device. Attempts
from a browser holding a device cookie of the account named in the form are limited per
device cookie; every other attempt is limited per account, as before. An attacker, who has no
device cookie of the victim, is throttled; the owner, from a browser they used before, logs
in all the same.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from flask.wrappers import Response

from portal.extensions import db
from portal.models import User
from portal.tokens import InvalidToken, make_token, read_token

COOKIE = "aftersale_device"
MAX_AGE = 365 * 24 * 3600


def remember(response: Response, user: User) -> None:
    """Mark this browser as a device the user logged in on (keeping its id, if it was)."""
    device = _device_in_request(user.id) or secrets.token_urlsafe(16)
    response.set_cookie(
        COOKIE,
        make_token("device", {"u": user.id, "d": device}),
        max_age=MAX_AGE,
        path="/",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def trusted_device(email: str) -> str | None:
    """The id of this browser's device cookie if it names the account with `email`."""
    user_id = db.session.scalar(db.select(User.id).where(User.email == email.strip().lower()))
    return _device_in_request(user_id) if user_id is not None else None


def _device_in_request(user_id: int) -> str | None:
    value = request.cookies.get(COOKIE)
    if not value:
        return None
    try:
        payload = read_token("device", value, max_age=MAX_AGE)
    except InvalidToken:
        return None
    if not isinstance(payload, dict) or payload.get("u") != user_id:
        return None
    device = payload.get("d")
    return device if isinstance(device, str) and device else None
