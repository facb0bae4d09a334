"""The outbox: how work reaches the queue without ever being lost.

Work is named by its job key (`portal/jobs/registry.py`), so a service that wants work done
imports this module, never a job module.

1. `add()` writes an outbox row in the same transaction as the rows the work is about (a
   customer's answer, a complaint, a new case). If that transaction commits, the work exists.
2. After the commit, `flush()` claims unsent rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
   several web processes and workers never claim the same row), enqueues each with its
   deterministic job id, and marks it enqueued. If Redis is down, nothing is lost: the rows
   wait, and the customer still gets their page.
3. The job does its work and marks its row done in the same transaction (`mark_done`).
4. A periodic sweep (and every worker start) flushes what is waiting and re-enqueues what was
   enqueued but never done: a job lost with a flushed Redis, or abandoned by a killed worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from rq.registry import StartedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import jobs
from portal.extensions import db
from portal.jobs.registry import key_of, resolve
from portal.models import OutboxJob, utcnow

log = logging.getLogger(__name__)

# A job enqueued this long ago and not done is looked at again.
STALLED_AFTER = timedelta(minutes=3)
# After this many enqueues a job that keeps failing is left for a person (see admin).
MAX_ENQUEUES = 5
# session.info key: the rows `add`ed in the current transaction, by job id (commit_and_enqueue)
ADDED = "outbox_added"
# session.info key: the (job_id, key, args, family) of rows `add_new` inserted, marked enqueued
NEW = "outbox_new"
LIVE = (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def add(work: str | Callable, *args: int | str, family: str) -> OutboxJob:
    """Record that the job `work` (its key, registry.py) must run on `args`. Call inside the
    transaction that creates the work; it is enqueued after the commit. Adding the same work
    again re-arms it."""
    key = key_of(work)
    job_id = jobs.job_id_for(key, args)
    row = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.job_id == job_id))
    if row is None:
        row = OutboxJob(
            job_id=job_id,
            func=key,
            args=list(args),
            family=family,
        )
        db.session.add(row)
    else:
        row.done_at = None
        row.enqueued_at = None
        row.enqueue_attempts = 0
        row.claimed_at = None
    db.session.info.setdefault(ADDED, {})[job_id] = row
    return row


def add_new(work: str | Callable, *args: int | str, family: str) -> None:
    """`add` for work on a row created in this very transaction (a new answer's id): no row
    can exist for it yet, so one plain INSERT, with no look-up and no ORM object (the survey
    POST: bench/survey_submit.py). `commit_and_enqueue` must follow. With Redis the row is
    written marked enqueued, as `commit_and_enqueue` marks its rows; if the enqueue fails the
    mark is undone, and a process killed before it leaves the row to `requeue_stalled`."""
    key = key_of(work)
    job_id = jobs.job_id_for(key, args)
    queued = not jobs.is_inline()
    now = utcnow()
    db.session.connection().execute(
        sa.insert(OutboxJob.__table__).values(
            job_id=job_id,
            func=key,
            args=list(args),
            family=family,
            created_at=now,
            enqueued_at=now if queued else None,
            enqueue_attempts=1 if queued else 0,
        )
    )
    if queued:
        db.session.info.setdefault(NEW, []).append((job_id, key, list(args), family))


def new_rows_for(source_id: sa.ColumnElement, works: tuple[tuple[str, str], ...]) -> sa.Insert:
    """`add_new`'s rows for each (work, family) of `works` on an id that the same statement
    creates (`source_id`, a column of an INSERT ... RETURNING in a WITH), as one INSERT ...
    SELECT: the job id is written in SQL as `jobs.job_id_for` writes it. The values
    `created_at`, `enqueued_at` and `enqueue_attempts` are bound at execution
    (`new_row_params`); `added_new` must follow, then `commit_and_enqueue`. PostgreSQL."""
    table = OutboxJob.__table__
    selects = [
        sa.select(
            (sa.literal(jobs.job_id_for(work, ()) + "-") + sa.cast(source_id, sa.String)),
            sa.literal(key_of(work)),
            sa.func.json_build_array(source_id),
            sa.literal(family),
            sa.bindparam("outbox_created_at", type_=table.c.created_at.type),
            sa.bindparam("outbox_enqueued_at", type_=table.c.enqueued_at.type),
            sa.bindparam("outbox_enqueue_attempts", type_=table.c.enqueue_attempts.type),
        )
        for work, family in works
    ]
    columns = ["job_id", "func", "args", "family", "created_at", "enqueued_at", "enqueue_attempts"]
    return sa.insert(table).from_select(columns, sa.union_all(*selects))


def new_row_params() -> dict:
    """The values of `new_rows_for`'s rows, as `add_new` writes them."""
    queued = not jobs.is_inline()
    now = utcnow()
    return {
        "outbox_created_at": now,
        "outbox_enqueued_at": now if queued else None,
        "outbox_enqueue_attempts": 1 if queued else 0,
    }


def added_new(works: tuple[tuple[str, str], ...], source_id: int) -> None:
    """What `new_rows_for` inserted on `source_id`, for `commit_and_enqueue` to queue."""
    if not jobs.is_inline():
        new = db.session.info.setdefault(NEW, [])
        for work, family in works:
            key = key_of(work)
            new.append((jobs.job_id_for(key, (source_id,)), key, [source_id], family))


def commit_and_enqueue() -> None:
    """Commit the caller's transaction and enqueue what it `add`ed, for a request that must
    answer quickly (the survey POST: bench/survey_submit.py).

    The rows are marked enqueued in that very transaction, so no sweep enqueues them a second
    time and no claim round trip follows the commit; the queue gets them just after the
    commit, never before (the job must find its rows). If Redis does not take them, the marks
    are undone and the rows wait for the next sweep, as with `flush`. A process killed between
    the commit and the enqueue leaves rows marked and not queued: `requeue_stalled` queues them
    again after STALLED_AFTER. Inline (no Redis) it is `commit` then `flush`."""
    rows = list(db.session.info.pop(ADDED, {}).values())
    work = db.session.info.pop(NEW, [])
    if jobs.is_inline() or not (rows or work):
        db.session.commit()
        flush()
        return
    now = utcnow()
    for row in rows:
        row.enqueued_at = now
        row.enqueue_attempts = (row.enqueue_attempts or 0) + 1
        work.append((row.job_id, row.func, list(row.args), row.family))
    db.session.commit()
    waiting = [job_id for job_id, *_ in work]
    try:
        for job_id, func, args, family in work:
            jobs.enqueue(
                resolve(func), *args, family=family, job_id=job_id, allow_open_transaction=True
            )
            waiting.remove(job_id)
    except (RedisError, OSError) as exc:
        log.warning("outbox: Redis unavailable, jobs wait in the database: %s", exc)
        db.session.execute(
            sa.update(OutboxJob)
            .where(OutboxJob.job_id.in_(waiting), OutboxJob.done_at.is_(None))
            .values(enqueued_at=None, enqueue_attempts=OutboxJob.enqueue_attempts - 1)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_added(session, *args) -> None:
    """Rows committed another way are `flush`ed by their caller; rows of a transaction that
    rolled back do not exist: either way, not ours to enqueue."""
    session.info.pop(ADDED, None)
    session.info.pop(NEW, None)


def mark_done(key: str, *args: int | str) -> None:
    """Called by the job, inside the transaction that commits its work."""
    db.session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.job_id == jobs.job_id_for(key, args), OutboxJob.done_at.is_(None))
        .values(done_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def is_done(key: str, *args: int | str) -> bool:
    """Lock the outbox row of the job `key` on `args` (PostgreSQL: a concurrent run waits
    here, then finds it done) and say whether its work is done already: for a job whose work
    commits in the same transaction as its done mark. A job that sends an email claims its
    row instead (jobs/claims.py): the email leaves before the commit, so a lock held until
    then would not stop a second copy running on SQLite or after the lock is gone."""
    done_at = db.session.scalar(
        sa.select(OutboxJob.done_at)
        .where(OutboxJob.job_id == jobs.job_id_for(key, args))
        .with_for_update()
    )
    return done_at is not None


def finish(key: str, *args: int | str) -> None:
    """Mark the job done and commit it with the job's work."""
    mark_done(key, *args)
    db.session.commit()


def flush(limit: int = 200) -> int:
    """Enqueue waiting outbox rows. Returns how many; never raises for a Redis outage."""
    sent = 0
    while True:
        query = (
            sa.select(OutboxJob)
            .where(OutboxJob.enqueued_at.is_(None), OutboxJob.done_at.is_(None))
            .order_by(OutboxJob.id)
            .limit(limit)
        )
        if db.engine.dialect.name == "postgresql" and not jobs.is_inline():
            # Inline, the job runs inside this loop and marks its own row done: a lock
            # held here would make it wait for itself.
            query = query.with_for_update(skip_locked=True)
        rows = list(db.session.scalars(query))
        if not rows:
            db.session.rollback()
            return sent
        try:
            for row in rows:
                jobs.enqueue(
                    resolve(row.func),
                    *row.args,
                    family=row.family,
                    job_id=row.job_id,
                    allow_open_transaction=True,
                )
                row.enqueued_at = utcnow()
                row.enqueue_attempts += 1
                sent += 1
        except (RedisError, OSError) as exc:
            log.warning("outbox: Redis unavailable, jobs wait in the database: %s", exc)
            db.session.commit()  # keep what did reach the queue marked as enqueued
            return sent
        db.session.commit()
        if len(rows) < limit:
            return sent


def requeue_stalled(now: datetime | None = None) -> int:
    """Make jobs that were enqueued but never done eligible for `flush` again."""
    now = now or utcnow()
    try:
        connection = jobs.connection()
        for name in jobs.QUEUE_NAMES:
            # Abandoned by a killed worker: RQ retries them (or marks them failed) now,
            # not at the worker's next maintenance.
            StartedJobRegistry(queue=jobs.get_queue(name)).cleanup()
        rows = list(
            db.session.scalars(
                sa.select(OutboxJob).where(
                    OutboxJob.done_at.is_(None),
                    OutboxJob.enqueued_at < now - STALLED_AFTER,
                    OutboxJob.enqueue_attempts < MAX_ENQUEUES,
                )
            )
        )
        rearmed = 0
        for row in rows:
            try:
                job = Job.fetch(row.job_id, connection=connection, serializer=JSONSerializer)
                status = job.get_status()
            except NoSuchJobError:
                status = None
            if status not in LIVE:
                row.enqueued_at = None
                rearmed += 1
        db.session.commit()
        return rearmed
    except (RedisError, OSError) as exc:
        db.session.rollback()
        log.warning("outbox: Redis unavailable, stalled jobs checked later: %s", exc)
        return 0


def pending_count() -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxJob).where(OutboxJob.done_at.is_(None))
    )


@dataclass(frozen=True)
class Backlog:
    waiting: int  # not done yet
    not_queued: int  # of those, not (or no longer) on the queue
    oldest: datetime | None  # when the oldest waiting work was written


def backlog() -> Backlog:
    """What waits in the outbox, for the admin status page."""
    waiting = OutboxJob.done_at.is_(None)
    waiting_count, oldest = db.session.execute(
        sa.select(sa.func.count(), sa.func.min(OutboxJob.created_at)).where(waiting)
    ).one()
    not_queued = db.session.scalar(
        sa.select(sa.func.count()).where(waiting, OutboxJob.enqueued_at.is_(None))
    )
    return Backlog(waiting_count, not_queued, oldest)
