"""Periodic jobs, scheduled through RQ's own scheduler with deterministic ids.

Each periodic job runs once per time slot (`interval` seconds). Its id names the slot, so any
number of workers may try to schedule the same slot and RQ keeps exactly one (unique=True).
A run first schedules the next slot, then does its work: a run that fails (and exhausts its
retries) does not break the chain. Every worker schedules the current slots when it starts, so
a chain lost with a flushed Redis comes back with the next worker start.

With no Redis (jobs inline), nothing runs by itself: `flask portal tick` runs every periodic job
once (`--every 60` keeps doing so), which is what `make run` starts next to the web server.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from rq.exceptions import DuplicateJobError

from portal import jobs
from portal.jobs.registry import resolve
from portal.models import utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Periodic:
    name: str
    key: str  # the job's key (registry.py)
    interval: int  # seconds
    family: str = "maintenance"


# Every periodic job of the portal, in one table.
PERIODIC: dict[str, Periodic] = {
    p.name: p
    for p in (
        Periodic("dispatch-surveys", "surveys.dispatch_surveys", 60, "dispatch"),
        Periodic("sweep-outbox", "maintenance.sweep_outbox", 60),
        Periodic("sweep-breaches", "escalation.sweep_breaches", 60),
        Periodic("sweep-cover", "cover.sweep_cover", 60),
        Periodic("return-unanswered-waits", "waiting.return_unanswered", 300),
        Periodic("retry-webhooks", "webhooks.retry_due", 60),
        Periodic(
            "close-unanswered-followups",
            "followup.close_unanswered_followups",
            600,
        ),
        Periodic("performance-rollup", "performance.refresh_performance", 600),
        Periodic("performance-settle", "performance.settle_performance", 86400),
        Periodic("weekly-digests", "performance.queue_weekly_digests", 3600),
        Periodic("end-due-plans", "coaching_mail.end_due_plans", 3600),
        Periodic("failed-work-alert", "failed_work.alert_admins_of_failed_work", 86400),
        Periodic("customer-words-retention", "privacy.apply_retention", 86400),
    )
}


def slot_of(name: str, at: datetime) -> int:
    return int(at.timestamp()) // PERIODIC[name].interval


def schedule_slot(name: str, slot: int) -> bool:
    """Schedule slot `slot` of `name`. False when it was already scheduled."""
    spec = PERIODIC[name]
    family = jobs.FAMILIES[spec.family]
    queue = jobs.get_queue(family.queue)
    run_at = datetime.fromtimestamp(slot * spec.interval, UTC)
    try:
        queue.enqueue_at(
            run_at,
            run_periodic,
            name,
            slot,
            job_id=f"periodic-{name}-{slot}",
            job_timeout=family.timeout,
            result_ttl=0,
            failure_ttl=family.failure_ttl,
            unique=True,
        )
    except DuplicateJobError:
        return False
    return True


def schedule_all(now: datetime | None = None) -> int:
    """Make sure every periodic job has its next slot scheduled (run at worker start)."""
    now = now or utcnow()
    return sum(schedule_slot(name, slot_of(name, now) + 1) for name in PERIODIC)


def run_periodic(name: str, slot: int) -> None:
    """The job RQ runs for each slot: chain the next slot, then do the work."""
    schedule_slot(name, slot + 1)
    resolve(PERIODIC[name].key)()


def run_all_once() -> dict[str, object]:
    """Run every periodic job now, in this process (inline mode, tests, operators)."""
    results = {}
    for name, spec in PERIODIC.items():
        try:
            results[name] = resolve(spec.key)()
        except Exception:
            log.exception("periodic job %s failed", name)
            results[name] = "failed"
    return results
