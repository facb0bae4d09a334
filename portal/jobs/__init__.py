"""The one place through which background work is enqueued.

Rules (DESIGN.md): store, commit, then enqueue. Jobs take ids, never objects (the JSON
serializer enforces it), have a deterministic id so the same work is never queued twice, and a
timeout and retry policy per job family. With no `REDIS_URL` the very same job functions run
inline, through RQ's synchronous mode on an in-process Redis stand-in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from redis import Redis
from rq import Callback, Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus
from rq.serializers import JSONSerializer
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from portal.jobs.registry import key_of, resolve

log = logging.getLogger(__name__)
_UNSAFE_ID_CHARS = re.compile(r"[^A-Za-z0-9_]")


@dataclass(frozen=True)
class JobFamily:
    """How one kind of work is queued: its queue, how long it may run, how it is retried."""

    queue: str
    timeout: int  # seconds a single run may take before RQ kills it
    retry_intervals: tuple[int, ...]  # seconds before each retry; empty means no retry
    result_ttl: int = 0  # finished jobs vanish, so the same id can be queued again later
    failure_ttl: int = 14 * 24 * 3600  # failed jobs stay for inspection for two weeks


FAMILIES: dict[str, JobFamily] = {
    # Customer and staff email: SMTP outages last minutes to hours.
    "mail": JobFamily("mail", timeout=120, retry_intervals=(30, 120, 600, 1800, 3600)),
    # Sentiment analysis and routing: fast, a retry usually means the database blipped.
    "analysis": JobFamily("analysis", timeout=60, retry_intervals=(10, 60, 300)),
    # Periodic sweeps and rollups: the next run picks up whatever this one missed.
    "maintenance": JobFamily("maintenance", timeout=1800, retry_intervals=(60,)),
    # Survey dispatch: long runs (a backlog of thousands of emails) on a queue of their own,
    # so that a worker kept for the fast queues never waits behind one (README, "Workers").
    "dispatch": JobFamily("dispatch", timeout=120, retry_intervals=(60,)),
    # Webhooks out: one short POST each (5 s timeouts), on the fast queue; a receiver that is
    # down is retried with backoff for about 3 hours (services/webhooks/delivery.py).
    "webhook": JobFamily("mail", timeout=30, retry_intervals=(30, 120, 600, 1800, 7200)),
}
# Queues in the order a worker serves them: a worker always takes the first waiting job of the
# first non-empty queue. Single emails come first: under a backlog, the rep's email for an
# analysed answer leaves at once instead of waiting for every other answer's analysis.
QUEUE_NAMES = ("mail", "analysis", "maintenance", "dispatch")
assert set(QUEUE_NAMES) == {f.queue for f in FAMILIES.values()}


REDIS_CONNECT_TIMEOUT = 2  # seconds


class UncommittedWorkError(RuntimeError):
    """Raised when a job would be enqueued before the rows it needs are committed."""


def init_app(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if url:
        # Connects lazily, on first command. A Redis host gone from the network must not hold
        # a customer's page for the operating system's two minutes: the outbox keeps the work.
        connection = Redis.from_url(url, socket_connect_timeout=REDIS_CONNECT_TIMEOUT)
        is_async = True
    else:
        import fakeredis  # only without Redis: the inline stand-in is not loaded otherwise

        connection = fakeredis.FakeRedis()
        is_async = False
    app.extensions["portal_jobs"] = {"connection": connection, "is_async": is_async}


def connection() -> Redis:
    return current_app.extensions["portal_jobs"]["connection"]


def queue_name(name: str) -> str:
    return f"{current_app.config['RQ_QUEUE_PREFIX']}-{name}"


def is_inline() -> bool:
    return not current_app.extensions["portal_jobs"]["is_async"]


def get_queue(name: str) -> Queue:
    state = current_app.extensions["portal_jobs"]
    return Queue(
        queue_name(name),
        connection=state["connection"],
        is_async=state["is_async"],
        serializer=JSONSerializer,
    )


def job_id_for(work: str | Callable, args: tuple) -> str:
    """Deterministic: the same job (by key, registry.py) on the same ids is the same job.
    "triage.analyse_response" on 12 is "triage-analyse_response-12".

    RQ allows only letters, digits, "_" and "-" in ids; anything else becomes "_".
    """
    parts = [*key_of(work).split(".", 1), *map(str, args)]
    return "-".join(_UNSAFE_ID_CHARS.sub("_", part) for part in parts)


def enqueue(
    work: str | Callable,
    *args: int | str,
    family: str,
    job_id: str | None = None,
    allow_open_transaction: bool = False,
) -> Job:
    """Queue the job `work` (a registry key, or a registered job function) on `args` as a
    job of `family`, once.

    If a job with the same id is already waiting or running, that job is returned and no second
    one is queued. A job with that id that has finished or failed is replaced by a fresh one.
    """
    func = resolve(work) if isinstance(work, str) else work
    if not allow_open_transaction:  # the outbox enqueues committed work from its own claim
        _refuse_uncommitted(db.session())
    spec = FAMILIES[family]
    queue = get_queue(spec.queue)
    job_id = job_id or job_id_for(work, args)
    options = dict(
        job_id=job_id,
        job_timeout=spec.timeout,
        result_ttl=spec.result_ttl,
        failure_ttl=spec.failure_ttl,
        retry=Retry(max=len(spec.retry_intervals), interval=list(spec.retry_intervals))
        if spec.retry_intervals and queue.is_async
        else None,
        on_failure=Callback(_log_failure),
        unique=True,
    )
    try:
        return queue.enqueue(func, *args, **options)
    except DuplicateJobError:
        try:
            existing = Job.fetch(job_id, connection=queue.connection, serializer=JSONSerializer)
        except NoSuchJobError:
            existing = None
        if existing is not None and existing.get_status() not in (
            JobStatus.FINISHED,
            JobStatus.FAILED,
            JobStatus.STOPPED,
            JobStatus.CANCELED,
        ):
            return existing
        if existing is not None:
            existing.delete()
        return queue.enqueue(func, *args, **options)


def _log_failure(job, connection, exc_type, exc_value, traceback) -> None:
    log.error("job %s failed: %s: %s", job.id, exc_type.__name__, exc_value)


# --- the commit-before-enqueue guard -----------------------------------------------------
# A flush marks the session as holding writes; commit or rollback clears the mark.


def _refuse_uncommitted(session: Session) -> None:
    if session.new or session.dirty or session.deleted or session.info.get("uncommitted_writes"):
        raise UncommittedWorkError(
            "commit the session before enqueueing a job: the job must find its rows"
        )


@event.listens_for(Session, "after_flush")
def _mark_writes(session, flush_context) -> None:
    session.info["uncommitted_writes"] = True


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _clear_writes(session, *args) -> None:
    session.info.pop("uncommitted_writes", None)
