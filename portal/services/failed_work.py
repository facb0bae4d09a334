"""Work that failed for good, in one list for admins, with a way to try it again.

Three places hold it:
- RQ's failed-job registry of every portal queue: a job that raised on its last retry (an
  email whose subject could not be built, an analysis that crashed), with its traceback;
- the outbox: a piece of work queued MAX_ENQUEUES times and never done (its RQ record may have
  expired, so the outbox row is what remembers it);
- survey invitations whose sending failed MAX_SEND_ATTEMPTS times.

An item that is both a failed RQ job and an outbox row is listed once. Retrying goes the way
the work went the first time: an outbox row is re-armed and flushed (store, commit, enqueue),
a job without one is requeued by RQ, an invitation is resent at the next dispatch.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry
from rq.serializers import JSONSerializer

from portal import jobs
from portal.extensions import db
from portal.jobs import outbox
from portal.models import OutboxJob, SurveyInvitation, utcnow
from portal.services.surveys import admin as survey_admin

log = logging.getLogger(__name__)
KINDS = ("job", "outbox", "invitation")


class CannotRetry(Exception):
    """The item is gone (retried or done meanwhile) or cannot be retried; says why."""


@dataclass(frozen=True)
class FailedItem:
    kind: str  # job | outbox | invitation
    ident: str  # the RQ job id, the outbox row's job id, or the invitation id
    what: str
    error: str
    failed_at: datetime | None
    queue: str | None = None


@dataclass
class FailedWork:
    items: list[FailedItem]
    redis_error: str | None = None  # the RQ part could not be read

    def __len__(self) -> int:
        return len(self.items)


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no error recorded"


def _failed_jobs() -> list[FailedItem]:
    found = []
    for name in jobs.QUEUE_NAMES:
        queue = jobs.get_queue(name)
        registry = FailedJobRegistry(queue=queue)
        ids = registry.get_job_ids()
        for job in Job.fetch_many(ids, connection=queue.connection, serializer=JSONSerializer):
            if job is None:
                continue
            args = ", ".join(map(str, job.args or ()))
            result = job.latest_result()
            found.append(
                FailedItem(
                    "job",
                    job.id,
                    f"{job.func_name.rsplit('.', 1)[-1]}({args})",
                    _last_line(result.exc_string if result is not None else None),
                    job.ended_at,
                    name,
                )
            )
    return found


def failed_work() -> FailedWork:
    """Everything that failed for good, newest first. Without Redis, the database's part."""
    items: list[FailedItem] = []
    redis_error = None
    if not jobs.is_inline():
        try:
            items = _failed_jobs()
        except (RedisError, OSError) as exc:
            redis_error = f"{type(exc).__name__}: {exc}"
    listed = {item.ident for item in items}
    stuck = db.session.scalars(
        sa.select(OutboxJob)
        .where(OutboxJob.done_at.is_(None), OutboxJob.enqueue_attempts >= outbox.MAX_ENQUEUES)
        .order_by(OutboxJob.id)
    )
    for row in stuck:
        if row.job_id not in listed:
            what = f"{row.func.rsplit(':', 1)[-1]}({', '.join(map(str, row.args))})"
            error = f"queued {row.enqueue_attempts} times and never done"
            items.append(FailedItem("outbox", row.job_id, what, error, row.enqueued_at))
    invitations = db.session.scalars(
        sa.select(SurveyInvitation)
        .where(SurveyInvitation.failed_at.is_not(None), SurveyInvitation.sent_at.is_(None))
        .order_by(SurveyInvitation.id)
    )
    for inv in invitations:
        what = f"survey invitation #{inv.id} to {inv.customer.email}"
        items.append(
            FailedItem("invitation", str(inv.id), what, _last_line(inv.last_error), inv.failed_at)
        )
    items.sort(key=lambda item: item.failed_at or utcnow(), reverse=True)
    return FailedWork(items, redis_error)


def count() -> int:
    return len(failed_work())


def retry(kind: str, ident: str) -> str:
    """Queue the item again; returns what was done, for the admin. Raises CannotRetry."""
    if kind == "invitation":
        inv = db.session.get(SurveyInvitation, int(ident)) if ident.isdigit() else None
        if inv is None:
            raise CannotRetry("That invitation no longer exists.")
        try:
            survey_admin.resend(inv, utcnow())
        except survey_admin.CannotResend as exc:
            raise CannotRetry(str(exc)) from exc
        return f"Invitation #{inv.id} goes out at the next dispatch (within a minute)."
    if kind not in KINDS:
        raise CannotRetry("Unknown kind of work.")
    row = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.job_id == ident))
    if row is not None:
        if row.done_at is not None:
            _forget_rq_failure(ident)
            raise CannotRetry("That work was done meanwhile: nothing to retry.")
        row.enqueued_at = None
        row.enqueue_attempts = 0
        row.claimed_at = None
        db.session.commit()
        _forget_rq_failure(ident)
        outbox.flush()  # after the commit; a Redis outage leaves it for the sweep
        return "Queued again: it runs within a minute."
    if kind == "outbox":
        raise CannotRetry("That work is no longer in the outbox.")
    return _requeue_rq_job(ident)


def _forget_rq_failure(job_id: str) -> None:
    """Drop the failed RQ record, so that the outbox can queue the same job id again."""
    if jobs.is_inline():
        return
    try:
        Job.fetch(job_id, connection=jobs.connection(), serializer=JSONSerializer).delete()
    except NoSuchJobError:
        pass
    except (RedisError, OSError) as exc:
        log.warning("could not remove failed job %s from RQ: %s", job_id, exc)


def _requeue_rq_job(job_id: str) -> str:
    try:
        job = Job.fetch(job_id, connection=jobs.connection(), serializer=JSONSerializer)
    except NoSuchJobError as exc:
        raise CannotRetry("That job is no longer in the failed list.") from exc
    except (RedisError, OSError) as exc:
        raise CannotRetry(f"Redis is not reachable ({exc}): try again later.") from exc
    if not job.is_failed:
        raise CannotRetry("That job is no longer in the failed list.")
    job.requeue()
    return "Queued again: it runs within a minute."
