"""The daily alert to admins while work has failed for good (services/failed_work.py)."""

from __future__ import annotations

import sqlalchemy as sa

from portal import mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import User, utcnow
from portal.services.failed_work import failed_work
from portal.urls import external_url


@job("failed_work.alert_admins_of_failed_work")
def alert_admins_of_failed_work(day: str | None = None) -> int:
    """Daily (periodic): email every active admin the failed work, once per day, and only
    while there is some. Returns how many admins were emailed. The day's claim (an outbox
    row) makes a second run that day, or a second worker, send nothing."""
    day = day or utcnow().date().isoformat()
    work = failed_work()
    if not work.items:
        return 0
    if not claims.claim(alert_admins_of_failed_work, day):
        return 0
    admins = list(
        db.session.scalars(
            sa.select(User).where(User.role == "admin", User.active.is_(True)).order_by(User.id)
        )
    )
    link = external_url("admin.failed_work")
    count = len(work.items)
    mail.send(
        mail.build_message(
            admin.email,
            f"Aftersale: {count} failed {'item waits' if count == 1 else 'items wait'} for you",
            "failed_work_alert",
            admin=admin,
            work=work,
            link=link,
        )
        for admin in admins
    )
    outbox.mark_done(alert_admins_of_failed_work, day)
    db.session.commit()
    return len(admins)
