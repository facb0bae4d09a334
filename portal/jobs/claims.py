"""Claim, then send: how a mail job makes sure two copies of it never send twice.

Two copies of one job can run at the same moment (the outbox sweep re-queues a job a slow
worker is still running; a case is reassigned while its first email is going out). Checking
"already sent?" and then sending lets both through. So every mail job first claims its
outbox row with a guarded UPDATE, committed in a transaction of its own before anything is
sent:

    UPDATE outbox_jobs SET claimed_at = now
     WHERE job_id = :id AND done_at IS NULL
       AND (claimed_at IS NULL OR claimed_at < now - LEASE)

Exactly one copy changes the row (PostgreSQL and SQLite both serialise the UPDATE); the others
find it claimed or done and send nothing. The winner sends, then marks the row done in the
transaction that records its work (`outbox.mark_done`). A job that is not queued through the
outbox (the weekly digest, the set-password email) gets its row here, at its first claim.

When the job fails after claiming (SMTP down, a bug), the `job` wrapper releases the claim and
re-raises: RQ retries it and it claims again. When the worker is killed between the claim and
the send, the claim simply expires after LEASE (longer than a mail job may run), and the
outbox sweep re-queues the row (`outbox.requeue_stalled`): the message goes out once, a few
minutes late. Killed between the send and the commit of "done", it would go out a second
time on that retry: at-least-once, in a window of milliseconds, is the price of never losing
an email.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import g
from sqlalchemy.exc import IntegrityError

from portal import jobs
from portal.extensions import db
from portal.jobs.registry import FAILURE_HOOKS, key_of
from portal.models import OutboxJob, utcnow

log = logging.getLogger(__name__)

# Longer than a mail job may run (RQ stops it at its timeout): a live claim never expires.
LEASE = timedelta(seconds=jobs.FAMILIES["mail"].timeout + 60)


def claim(work: str | Callable, *args: int | str, family: str = "mail") -> bool:
    """Claim this job's work, committed before the caller sends anything. False when the
    work is done already or another run holds a live claim: then the caller sends nothing."""
    job_id = jobs.job_id_for(work, args)
    session = db.session
    session.rollback()  # the claim is a transaction of its own
    _ensure_row(key_of(work), args, job_id, family)
    now = utcnow()
    claimed = session.execute(
        sa.update(OutboxJob)
        .where(
            OutboxJob.job_id == job_id,
            OutboxJob.done_at.is_(None),
            sa.or_(OutboxJob.claimed_at.is_(None), OutboxJob.claimed_at < now - LEASE),
        )
        .values(claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if claimed:
        g.setdefault("portal_claims", []).append(job_id)
    else:
        log.info("%s: done already, or claimed by another run; nothing sent", job_id)
    return bool(claimed)


def _ensure_row(key: str, args: tuple, job_id: str, family: str) -> None:
    if db.session.scalar(sa.select(OutboxJob.id).where(OutboxJob.job_id == job_id)) is not None:
        return
    db.session.add(
        OutboxJob(
            job_id=job_id,
            func=key,
            args=list(args),
            family=family,
            enqueued_at=utcnow(),  # it is running now, so it was queued
            enqueue_attempts=1,
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # a concurrent copy inserted it first: claim that row
        db.session.rollback()


def release_held() -> None:
    """Give back the claims of a run that failed before marking its work done, so that RQ's
    retry can claim again at once. Never raises: a claim not released expires after LEASE."""
    held = g.pop("portal_claims", [])
    if not held:
        return
    try:
        db.session.rollback()
        db.session.execute(
            sa.update(OutboxJob)
            .where(OutboxJob.job_id.in_(held), OutboxJob.done_at.is_(None))
            .values(claimed_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("could not release the claims %s; they expire after %s", held, LEASE)


FAILURE_HOOKS.append(release_held)
