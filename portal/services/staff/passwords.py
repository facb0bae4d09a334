"""Staff passwords: signing in, and the set-password link a new user (welcome) or a user who
forgot theirs (reset) is emailed. No Flask request state here."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from functools import cache

from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from portal.extensions import db
from portal.jobs import outbox
from portal.models import User, utcnow
from portal.services import audit
from portal.services.addresses import normalise_email
from portal.tokens import InvalidToken, make_token, read_token


def password_hash_method() -> str:
    """How passwords are hashed: scrypt, except in the test suite (see Config)."""
    return current_app.config["PASSWORD_HASH_METHOD"]


@cache
def _dummy_hash(method: str) -> str:
    """Checked against when the email is unknown, so both answers take the same time."""
    return generate_password_hash("not a real password", method=method)


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (whatever the reason).

    Both outcomes go to the audit trail: a login, or a failed one with the address tried."""
    user = db.session.scalar(db.select(User).where(User.email == normalise_email(email)))
    if user is None or not user.password_hash:
        check_password_hash(_dummy_hash(password_hash_method()), password)
        _record_failed_login(email, user, "unknown address" if user is None else "no password")
        return None
    if not user.check_password(password) or not user.active:
        _record_failed_login(email, user, "wrong password" if user.active else "deactivated")
        return None
    user.last_login_at = utcnow()
    audit.record("auth.login", user, actor=user)
    db.session.commit()
    return user


def _record_failed_login(email: str, user: User | None, reason: str) -> None:
    attempted = email.strip()[:254]
    audit.record(
        "auth.login_failed",
        user,
        target_type="user",
        label=attempted,
        after={"email": attempted, "reason": reason},
    )
    db.session.commit()


def send_set_password_link(user: User, kind: str) -> None:
    """Queue the email with a set-password link ("welcome" for new users, else "reset").
    Through the outbox: with Redis down the request is kept and mailed when it is back."""
    requested = int(utcnow().timestamp())
    outbox.add("staff_mail.send_set_password_email", user.id, kind, requested, family="mail")
    db.session.commit()
    outbox.flush()


def request_password_reset(email: str) -> None:
    """Email a reset link if an active account exists; say nothing either way."""
    user = db.session.scalar(db.select(User).where(User.email == normalise_email(email)))
    if user is not None and user.active:
        send_set_password_link(user, kind="reset")


def set_password_token(user: User) -> str:
    # Bound to the session token, which rotates when the password is set (one use only), the
    # user is deactivated or logged out everywhere: then the link is dead. A token's payload
    # is readable by anyone holding the link, so it holds a keyed fingerprint of the session
    # token, never any part of it (issue 18).
    return make_token("set-password", {"u": user.id, "f": _link_fingerprint(user)})


def _link_fingerprint(user: User) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    message = f"set-password:{user.id}:{user.session_token}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def user_for_set_password_token(token: str) -> User | None:
    try:
        payload = read_token(
            "set-password", token, max_age=current_app.config["TOKEN_MAX_AGE_SET_PASSWORD"]
        )
    except InvalidToken:
        return None
    if not isinstance(payload, dict):
        return None
    user = db.session.get(User, payload.get("u")) if isinstance(payload.get("u"), int) else None
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(_link_fingerprint(user), str(payload.get("f", ""))):
        return None
    return user


def set_password(user: User, password: str) -> None:
    user.set_password(password, method=password_hash_method())
    db.session.commit()


def link_already_sent(user: User, requested_at: datetime) -> bool:
    return user.password_link_sent_at is not None and user.password_link_sent_at >= requested_at
