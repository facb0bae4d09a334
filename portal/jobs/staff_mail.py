"""Jobs that email staff."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app

from portal import mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import User, utcnow
from portal.services.staff.passwords import link_already_sent, set_password_token
from portal.urls import external_url

SUBJECTS = {
    "welcome": "Your Aftersale account is ready",
    "reset": "Reset your Aftersale password",
}


@job("staff_mail.send_set_password_email")
def send_set_password_email(user_id: int, kind: str, requested_at: int) -> bool:
    """Email a set-password link. Returns False (and sends nothing) when already sent."""
    if not claims.claim(send_set_password_email, user_id, kind, requested_at):
        return False
    user = db.session.get(User, user_id)
    requested = datetime.fromtimestamp(requested_at, UTC)
    if user is None or not user.active or link_already_sent(user, requested):
        outbox.mark_done(send_set_password_email, user_id, kind, requested_at)
        db.session.commit()
        return False
    hours = current_app.config["TOKEN_MAX_AGE_SET_PASSWORD"] // 3600
    link = external_url("auth.set_password", token=set_password_token(user))
    message = mail.build_message(
        user.email, SUBJECTS[kind], f"set_password_{kind}", user=user, link=link, hours=hours
    )
    mail.send(message)
    user.password_link_sent_at = utcnow()
    outbox.mark_done(send_set_password_email, user_id, kind, requested_at)
    db.session.commit()
    return True
