"""Performance jobs: the periodic rollup, and the weekly digest emailed to each manager."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal import jobs, mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.metrics.periods import Period
from portal.metrics.rollup import refresh_current, refresh_recent
from portal.models import User, utcnow
from portal.models.performance import DigestDelivery
from portal.services.performance.digest import (
    FIGURES,
    build_digest,
    digest_week,
    managers_to_notify,
)
from portal.urls import external_url


@job("performance.refresh_performance")
def refresh_performance() -> int:
    """Every 10 minutes: the performance records of this week, month and quarter."""
    return refresh_current()


@job("performance.settle_performance")
def settle_performance() -> int:
    """Daily: every period whose figures can still change (late purchases, reopened cases)."""
    return refresh_recent()


@job("performance.queue_weekly_digests")
def queue_weekly_digests() -> int:
    """Hourly: queue last week's digest for every manager who has not had it yet."""
    week = digest_week(utcnow())
    sent = set(
        db.session.scalars(
            sa.select(DigestDelivery.manager_id).where(DigestDelivery.week_start == week.start)
        )
    )
    queued = 0
    for manager in managers_to_notify():
        if manager.id not in sent:
            jobs.enqueue(
                "performance.send_weekly_digest", manager.id, week.start.isoformat(), family="mail"
            )
            queued += 1
    return queued


@job("performance.send_weekly_digest")
def send_weekly_digest(manager_id: int, week_start: str) -> bool:
    """Email one manager the digest of one week. False (nothing sent) when already sent."""
    if not claims.claim(send_weekly_digest, manager_id, week_start):
        return False
    start = date.fromisoformat(week_start)
    manager = db.session.get(User, manager_id)
    if manager is None or not manager.active:
        outbox.mark_done(send_weekly_digest, manager_id, week_start)
        db.session.commit()
        return False
    done = sa.select(DigestDelivery.id).where(
        DigestDelivery.manager_id == manager_id, DigestDelivery.week_start == start
    )
    if db.session.scalar(done) is not None:
        outbox.mark_done(send_weekly_digest, manager_id, week_start)
        db.session.commit()
        return False
    week = Period("week", start)
    digest = build_digest(manager, week, utcnow())
    link = external_url("dashboard.index", period="week", start=week_start)
    message = mail.build_message(
        manager.email,
        f"Your team's week {week.label}: figures, goals at risk, breaches",
        "weekly_digest",
        digest=digest,
        link=link,
        goals_link=external_url("dashboard.goals_page"),
        checkins_link=external_url("checkins.index"),
        figures=FIGURES,
    )
    mail.send(message)
    db.session.add(DigestDelivery(manager_id=manager_id, week_start=start))
    outbox.mark_done(send_weekly_digest, manager_id, week_start)
    db.session.commit()
    return True
