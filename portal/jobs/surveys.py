"""Jobs that send surveys: the periodic dispatch cuts the due backlog into batch jobs on the
dispatch queue, so that every worker serving that queue shares it (README, "Workers")."""

from __future__ import annotations

import logging
import math

from portal import jobs
from portal.jobs import FAMILIES
from portal.jobs.registry import job
from portal.services.surveys.sending import DispatchResult, prepare, send_due

log = logging.getLogger(__name__)

# Invitations one batch job sends (about a second of a worker's time on a quiet machine).
BATCH_JOB_SIZE = 500
# Claimed and committed together inside a batch job.
CLAIM_SIZE = 100
# A batch job stops claiming after half its timeout: it is never killed mid-send.
TIME_BUDGET = FAMILIES["dispatch"].timeout / 2


@job("surveys.dispatch_surveys")
def dispatch_surveys() -> dict:
    """Plan the invitations of recent sales, then queue one batch job per BATCH_JOB_SIZE due
    invitations and reminders (periodic, every minute).

    The batch jobs do not own ids: each claims whatever is due when it runs (jobs/surveys.py
    `send_survey_batch`), so a batch queued twice, or by two ticks, never sends anything twice
    and at worst finds nothing left. Slots have fixed ids: a slot still waiting from the last
    tick is not queued again.
    """
    result = prepare()
    batches = math.ceil(result.due / BATCH_JOB_SIZE)
    for slot in range(batches):
        jobs.enqueue(send_survey_batch, slot, 0, BATCH_JOB_SIZE, family="dispatch")
    summary = {"planned": result.planned, "failed": result.failed, "due": result.due,
               "batches": batches}  # fmt: skip
    if result.due or result.failed:
        log.info("survey dispatch: %s", summary)
    return summary


@job("surveys.send_survey_batch")
def send_survey_batch(slot: int, round_: int, size: int) -> dict:
    """Send up to `size` due invitations and reminders. A batch that runs out of time
    (TIME_BUDGET) queues its continuation at once, instead of leaving the rest for the next
    tick.

    Idempotent: a second run finds nothing left to claim. When the SMTP server is down it
    records the failure on each invitation and raises, so RQ keeps the failure visible; the
    invitations themselves come back after their backoff.
    """
    result = send_due(batch_size=min(CLAIM_SIZE, size), limit=size, time_budget=TIME_BUDGET)
    if result.out_of_time:
        jobs.enqueue(send_survey_batch, slot, round_ + 1, size, family="dispatch")
    return _summary(result)


def _summary(result: DispatchResult) -> dict:
    summary = {
        "sent": result.sent,
        "reminded": result.reminded,
        "skipped": result.skipped,
        "deferred": result.deferred,
        "bounced": result.bounced,
        "retrying": result.retrying,
        "failed": result.failed,
        "more_waiting": result.out_of_time,
    }
    if result.sent or result.reminded or result.failed:
        log.info("survey batch: %s", summary)
    return summary
