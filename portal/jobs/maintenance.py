"""The outbox sweep: whatever should be queued and is not, gets queued."""

from __future__ import annotations

import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.jobs import outbox
from portal.jobs.registry import job
from portal.models import Complaint, OutboxJob, SurveyResponse


def backfill() -> int:
    """Answers and confirmed complaints not yet analysed and with no outbox row (written
    before the outbox existed, or imported): give them one."""
    added = 0
    for model, key in (
        (SurveyResponse, "triage.analyse_response"),
        (Complaint, "triage.analyse_complaint"),
    ):
        prefix = jobs.job_id_for(key, ("",))  # "triage-analyse_response-"
        job_id = sa.literal(prefix) + sa.cast(model.id, sa.String)
        has_row = sa.exists().where(OutboxJob.job_id == job_id)
        query = sa.select(model.id).where(model.analysed_at.is_(None), ~has_row)
        if model is Complaint:
            query = query.where(Complaint.confirmed_at.is_not(None))
        for row_id in db.session.scalars(query.limit(5000)):
            outbox.add(key, row_id, family="analysis")
            added += 1
    db.session.commit()
    return added


@job("maintenance.sweep_outbox")
def sweep_outbox() -> dict:
    """Periodic, and at every worker start: re-arm stalled jobs, backfill, enqueue."""
    rearmed = outbox.requeue_stalled()
    added = backfill()
    sent = outbox.flush()
    return {"rearmed": rearmed, "backfilled": added, "enqueued": sent}
