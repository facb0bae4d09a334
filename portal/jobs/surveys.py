"""Jobs that send surveys."""

from __future__ import annotations

import logging

from portal.jobs import FAMILIES
from portal.jobs.registry import job
from portal.services.surveys.sending import dispatch

log = logging.getLogger(__name__)


@job("surveys.dispatch_surveys")
def dispatch_surveys() -> dict:
    """Plan and send every due survey invitation and reminder (periodic, every minute).

    Idempotent: a second run at the same time finds nothing left to claim. When the SMTP
    server is down it records the failure on each invitation and raises, so RQ keeps the
    failure visible; the invitations themselves come back after their backoff.
    """
    # Stop claiming at half the job's timeout: the job is never killed mid-batch.
    result = dispatch(time_budget=FAMILIES["dispatch"].timeout / 2)
    summary = {
        "planned": result.planned,
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
        log.info("survey dispatch: %s", summary)
    return summary
