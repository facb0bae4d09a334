"""A customer changed the survey answer that opened their case (inside the change window).

The case then shows the current words and rating (its page, the customer's "What you told
us"), its timeline keeps the old and the new answer, and the assigned rep is emailed. Applied
by the analysis job that runs after every change (jobs/triage.py), never in the customer's own
request: their answer is committed first, and a rep saving the case at the same moment can
only make this job retry, never lose the customer's words.

Idempotent: the case holds the answer it last showed (description, satisfaction_before), so
a second run finds nothing new and writes nothing.
"""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, SurveyResponse
from portal.services.cases.opening import case_subject
from portal.services.sla.deadlines import deadlines_for_case

NOTIFY_REP_JOB = "answer_changes.notify_rep_of_answer_change"


def _said(satisfaction: int | None, comment: str | None) -> str:
    rating = f"{satisfaction}/5" if satisfaction else "no rating"
    return f'{rating}, "{comment}"' if comment else f"{rating}, no comment"


def apply_changed_answer(case: Case, response: SurveyResponse, now: datetime) -> CaseEvent | None:
    """Bring the case up to date with the answer as it is now (flushed, not committed).
    Returns the timeline entry, or None when the case already shows this answer."""
    old = {"satisfaction": case.satisfaction_before, "comment": case.description}
    new = {"satisfaction": response.satisfaction, "comment": response.comment}
    contact_note = _follow_contact_wish(case, response, now)
    if old == new and contact_note is None:
        return None
    case.description = response.comment
    case.subject = case_subject(response.comment)
    case.satisfaction_before = response.satisfaction
    case.updated_at = now
    label = response.sentiment_label
    analysis = f" The analysis now says {label}." if label else ""
    said = f"from {_said(**old)} to {_said(**new)}." if old != new else f"(still {_said(**new)})."
    event = CaseEvent(
        case_id=case.id,
        actor_kind="customer",
        kind="answer_changed",
        message=f"The customer changed their survey answer {said}{analysis}"
        + (f" {contact_note}" if contact_note else ""),
        data={
            "old": old,
            "new": new,
            "response_id": response.id,
            "label": label,
            "contact_wanted": case.contact_wanted,
            "contact_note": contact_note,
        },
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    if case.assigned_rep_id is not None:
        outbox.add(NOTIFY_REP_JOB, event.id, family="mail")
    return event


def _follow_contact_wish(case: Case, response: SurveyResponse, now: datetime) -> str | None:
    """Keep Case.contact_wanted as the answer says now ("You may contact me" ticked or not);
    the first-contact deadline comes (counted from now) or goes with it. Returns what changed,
    for the timeline, or None. A complaint's case always wants contact."""
    wanted = bool(response.may_contact)
    if case.complaint_id is not None or case.contact_wanted == wanted:
        return None
    case.contact_wanted = wanted
    if not wanted:
        if case.first_contact_at is None:
            case.first_contact_due = None
        return (
            'They unticked "You may contact me": no contact wanted, no first-contact deadline, '
            "and no follow-up email when resolved."
        )
    if case.first_contact_at is None and case.is_open:
        case.first_contact_due = deadlines_for_case(case, now).first_contact_due
        return (
            f'They ticked "You may contact me": first contact by '
            f"{case.first_contact_due:%Y-%m-%d %H:%M} UTC."
        )
    return 'They ticked "You may contact me".'


def answer_was_changed(case: Case) -> bool:
    """Whether the customer changed the answer that opened the case (the case page then
    offers to close it as resolved by the customer)."""
    return any(event.kind == "answer_changed" for event in case.events)
