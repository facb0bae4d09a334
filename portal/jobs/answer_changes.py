"""The rep is told that a customer changed the survey answer behind their case
(services/cases/answer_changes.py writes the timeline entry and queues this)."""

from __future__ import annotations

from portal import mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import CaseEvent, utcnow
from portal.services.cases.answer_changes import NOTIFY_REP_JOB
from portal.urls import external_url


@job(NOTIFY_REP_JOB)
def notify_rep_of_answer_change(event_id: int) -> bool:
    """Email the assigned rep the old and the new answer, once (claimed before sending)."""
    if not claims.claim(NOTIFY_REP_JOB, event_id):
        db.session.rollback()
        return False
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind != "answer_changed" or event.case.assigned_rep is None:
        outbox.finish(NOTIFY_REP_JOB, event_id)
        return False
    case = event.case
    rep = case.assigned_rep
    data = event.data or {}
    message = mail.build_message(
        rep.email,
        f"Case #{case.id}: {case.customer.name} changed their answer",
        "case_answer_changed",
        case=case,
        rep=rep,
        old=data.get("old") or {},
        new=data.get("new") or {},
        label=data.get("label"),
        contact_note=data.get("contact_note"),
        open_case=case.is_open,
        link=external_url("cases.show", case_id=case.id) + "#customer-resolved-form",
    )
    mail.send(message)
    event.data = {**data, "rep_emailed_at": utcnow().isoformat()}
    outbox.finish(NOTIFY_REP_JOB, event_id)
    return True
