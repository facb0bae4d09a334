"""Jobs of the conversation between a case's rep and its customer, and of the follow-up answer.

- `send_message_to_customer`: the rep's message, to the customer, in their language, with the
  case's status link.
- `notify_rep_of_customer_message`: the customer's answer, to the assigned rep.
- `apply_followup_answer`: the "did this fix it?" answer reopens or closes the case, and
  `notify_rep_of_followup` tells the rep when it reopened.

Each is queued through the outbox in the transaction that stores what it is about. A mail job
locks its own outbox row while the message goes out and marks it done in the same transaction,
so a second run (a retry after the commit, a second worker) finds it done and sends nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from portal import jobs, mail
from portal.extensions import db
from portal.jobs.context import job
from portal.models import CaseEvent, OutboxJob, utcnow
from portal.services import case_links, outbox
from portal.services.customer_messages import FROM_CUSTOMER, TO_CUSTOMER
from portal.urls import external_url


def _already_done(func: Callable, *args: int) -> bool:
    """Lock this job's outbox row (PostgreSQL: a concurrent run waits here, then finds it
    done) and say whether its work is done already."""
    done_at = db.session.scalar(
        sa.select(OutboxJob.done_at)
        .where(OutboxJob.job_id == jobs.job_id_for(func, args))
        .with_for_update()
    )
    return done_at is not None


def _finish(func: Callable, *args: int) -> None:
    outbox.mark_done(func, *args)
    db.session.commit()


@job
def send_message_to_customer(event_id: int) -> bool:
    """Email the rep's message to the customer. Returns False when there was nothing to send."""
    if _already_done(send_message_to_customer, event_id):
        db.session.rollback()
        return False
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind != TO_CUSTOMER:
        _finish(send_message_to_customer, event_id)
        return False
    case = event.case
    customer = case.customer
    locale = customer.locale or "en"
    with force_locale(locale):
        message = mail.build_message(
            customer.email,
            gettext("A message about your case %(ref)s", ref=f"#{case.id}"),
            "complaint_case_message",
            locale=locale,
            customer=customer,
            case=case,
            rep_name=event.actor.name if event.actor else None,
            body=event.message,
            link=case_links.status_url(case),
        )
    mail.send(message)
    event.data = {**(event.data or {}), "emailed_at": utcnow().isoformat()}
    _finish(send_message_to_customer, event_id)
    return True


@job
def notify_rep_of_customer_message(event_id: int) -> bool:
    """Email the assigned rep that the customer wrote on their case. A case in the triage
    queue has no rep to tell: its managers see the message on the case."""
    if _already_done(notify_rep_of_customer_message, event_id):
        db.session.rollback()
        return False
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind != FROM_CUSTOMER or event.case.assigned_rep is None:
        _finish(notify_rep_of_customer_message, event_id)
        return False
    case = event.case
    rep = case.assigned_rep
    message = mail.build_message(
        rep.email,
        f"Case #{case.id}: {case.customer.name} wrote back",
        "case_customer_message",
        case=case,
        rep=rep,
        body=event.message,
        link=external_url("cases.show", case_id=case.id),
    )
    mail.send(message)
    event.data = {**(event.data or {}), "rep_emailed_at": utcnow().isoformat()}
    _finish(notify_rep_of_customer_message, event_id)
    return True


@job
def notify_rep_of_followup(event_id: int) -> bool:
    """Email the assigned rep that the customer said the fix did not work: their case is
    reopened and back in their queue."""
    if _already_done(notify_rep_of_followup, event_id):
        db.session.rollback()
        return False
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind != "followup_answered" or event.case.assigned_rep is None:
        _finish(notify_rep_of_followup, event_id)
        return False
    case = event.case
    rep = case.assigned_rep
    message = mail.build_message(
        rep.email,
        f"Case #{case.id} reopened: {case.customer.name} says it is not resolved",
        "case_reopened_by_customer",
        case=case,
        rep=rep,
        answer=event.data or {},
        comment=_comment_of(event),
        link=external_url("cases.show", case_id=case.id),
    )
    mail.send(message)
    event.data = {**(event.data or {}), "rep_emailed_at": utcnow().isoformat()}
    _finish(notify_rep_of_followup, event_id)
    return True


def _comment_of(event: CaseEvent) -> str | None:
    from portal.models import SurveyResponse

    response = db.session.get(SurveyResponse, (event.data or {}).get("response_id") or 0)
    return response.comment if response else None


@job
def apply_followup_answer(response_id: int) -> str:
    """Apply a "did this fix it?" answer to its case: reopen or close (once per answer).
    The answer, the case's change and this job's "done" mark commit together."""
    from portal.services.followup import apply_answer

    if _already_done(apply_followup_answer, response_id):
        db.session.rollback()
        return "done already"
    outbox.mark_done(apply_followup_answer, response_id)
    outcome = apply_answer(response_id, utcnow())
    outbox.flush()  # the rep's email, queued with the reopening
    return outcome
