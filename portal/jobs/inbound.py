"""The job of incoming mail: process one stored message (services/inbound/processing.py).

The message was committed before the receiver said "250" (services/inbound/storing.py); this
job reads it, and marks its outbox row done in the transaction that records what it became.
When it raises (a message the parser cannot take), RQ retries it, then keeps it in the failed
jobs that the admin failed-work page lists, with the message still stored, ready to retry.
"""

from __future__ import annotations

from portal.extensions import db
from portal.jobs import outbox
from portal.jobs.registry import job
from portal.models import utcnow
from portal.services.inbound import processing
from portal.services.inbound.storing import PROCESS


@job(PROCESS)
def process_message(inbound_id: int) -> str:
    if outbox.is_done(PROCESS, inbound_id):
        db.session.rollback()
        return "processed before"
    outbox.mark_done(PROCESS, inbound_id)
    return processing.process(inbound_id, utcnow())
