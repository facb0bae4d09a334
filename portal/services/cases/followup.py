"""What the customer's answer to "Did this resolve your concern?" does to their case, and
what silence does.

- `apply_followup_answer` (run by a job after the answer is committed): a "no" or a rating of
  REOPEN_AT_OR_BELOW or less reopens the case and tells the rep; otherwise the case is closed.
  The rating is recorded as the case's satisfaction after.
- `close_unanswered_followups` (a periodic sweep): when the latest follow-up of a still-resolved
  case expires unanswered, the system closes the case, saying "no answer to the follow-up".
  Silence after a fix is taken as the fix holding; the customer's status link still works for
  LINK_DAYS_AFTER_CLOSE days (services/status_links.py), and staff can reopen.

The survey itself is scheduled by services/surveys/followup.py.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, SurveyInvitation, SurveyResponse
from portal.services.cases import work
from portal.services.cases.cover import settle_cover
from portal.services.cases.rules import StaleCaseError
from portal.services.surveys.followup import APPLY_ANSWER_JOB, FOLLOWUP_KIND

# A rating at or below this reopens the case, whatever the yes/no says.
REOPEN_AT_OR_BELOW = 2


def wants_reopen(response: SurveyResponse) -> bool:
    return response.resolved_concern is False or (
        response.satisfaction is not None and response.satisfaction <= REOPEN_AT_OR_BELOW
    )


def apply_followup_answer(response_id: int, now: datetime) -> str:
    """Apply a "did this fix it?" answer to its case once: reopen or close. The answer, the
    case's change and the job's outbox "done" mark commit together; then the rep's email is
    enqueued. Returns what happened (see `apply_answer`), or "done already"."""
    if outbox.is_done(APPLY_ANSWER_JOB, response_id):
        db.session.rollback()
        return "done already"
    outbox.mark_done(APPLY_ANSWER_JOB, response_id)
    outcome = apply_answer(response_id, now)
    outbox.flush()  # the rep's email, queued with the reopening
    return outcome


def apply_answer(response_id: int, now: datetime) -> str:
    """Record the answer on its case, then reopen it (and queue the rep's email) or close it,
    through the case rules of services/work.py. Commits, together with whatever the
    caller added to the session (the job's outbox "done" mark). Returns what happened:
    "reopened", "closed", "recorded" (the case was not waiting for this answer) or "gone".
    """
    response = db.session.get(SurveyResponse, response_id)
    case = None
    if response is not None and response.invitation.kind == FOLLOWUP_KIND:
        case = db.session.get(Case, response.invitation.case_id)
    if case is None:
        db.session.commit()
        return "gone"
    case.satisfaction_after = response.satisfaction
    if case.satisfaction_before is None and case.response_id is not None:
        opening = db.session.get(SurveyResponse, case.response_id)
        case.satisfaction_before = opening.satisfaction if opening else None
    outcome = _outcome(case, response)
    said = "yes" if response.resolved_concern else "no"
    summary = f'follow-up answer "{said}", satisfaction {response.satisfaction}/5'
    event = CaseEvent(
        case_id=case.id,
        actor_kind="customer",
        kind="followup_answered",
        message=f"The customer answered the follow-up: did this resolve their concern? "
        f'"{said}"; satisfaction {response.satisfaction}/5.'
        + (f" They wrote: {response.comment}" if response.comment else ""),
        data={
            "response_id": response.id,
            "resolved_concern": response.resolved_concern,
            "satisfaction": response.satisfaction,
            "outcome": outcome,
        },
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    if outcome == "reopened":
        settle_cover(case, now, reopening=True)  # an away rep's case goes to the stand-in
        outbox.add("customer_mail.notify_rep_of_followup", event.id, family="mail")
        work.reopen(case, None, summary, now, by_customer=True)
    elif outcome == "closed":
        work.close(case, None, summary, now, by_customer=True)
    else:
        db.session.commit()
    return outcome


def _outcome(case: Case, response: SurveyResponse) -> str:
    """Only the answer to the latest follow-up moves the case, and only a case that is still
    resolved (or closed, when a "yes" is changed to a "no" within the change window)."""
    if case.status not in ("resolved", "closed") or _latest_followup_id(case) != (
        response.invitation_id
    ):
        return "recorded"
    if wants_reopen(response):
        return "reopened"
    return "closed" if case.status == "resolved" else "recorded"


def _latest_followup_id(case: Case) -> int | None:
    return db.session.scalar(
        sa.select(SurveyInvitation.id)
        .where(SurveyInvitation.case_id == case.id, SurveyInvitation.kind == FOLLOWUP_KIND)
        .order_by(SurveyInvitation.id.desc())
        .limit(1)
    )


# --- no answer -----------------------------------------------------------------------------------

NO_ANSWER_REASON = "no answer to the follow-up"


def close_unanswered_followups(now: datetime) -> int:
    """Close every resolved case whose latest follow-up expired unanswered. Returns how many.

    Idempotent: a closed case no longer matches. A case changed meanwhile (a rep reopened it,
    the customer's answer was applied: a new version) is left to that change.
    """
    latest = (
        sa.select(sa.func.max(SurveyInvitation.id))
        .where(SurveyInvitation.kind == FOLLOWUP_KIND)
        .group_by(SurveyInvitation.case_id)
    )
    case_ids = list(
        db.session.scalars(
            sa.select(SurveyInvitation.case_id)
            .join(Case, Case.id == SurveyInvitation.case_id)
            .where(
                SurveyInvitation.id.in_(latest),
                SurveyInvitation.sent_at.is_not(None),
                SurveyInvitation.answered_at.is_(None),
                SurveyInvitation.expires_at <= now,
                Case.status == "resolved",
            )
            .order_by(SurveyInvitation.case_id)
        )
    )
    db.session.rollback()
    closed = 0
    for case_id in case_ids:
        case = db.session.get(Case, case_id)
        if case is None or case.status != "resolved":
            db.session.rollback()
            continue
        try:
            work.close(case, None, NO_ANSWER_REASON, now, by_system=True)
        except StaleCaseError:
            continue
        closed += 1
    return closed
