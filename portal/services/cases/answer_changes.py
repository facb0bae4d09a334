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

NOTIFY_REP_JOB = "answer_changes.notify_rep_of_answer_change"


def _said(satisfaction: int | None, comment: str | None) -> str:
    rating = f"{satisfaction}/5" if satisfaction else "no rating"
    return f'{rating}, "{comment}"' if comment else f"{rating}, no comment"


def apply_changed_answer(case: Case, response: SurveyResponse, now: datetime) -> CaseEvent | None:
    """Bring the case up to date with the answer as it is now (flushed, not committed).
    Returns the timeline entry, or None when the case already shows this answer."""
    old = {"satisfaction": case.satisfaction_before, "comment": case.description}
    new = {"satisfaction": response.satisfaction, "comment": response.comment}
    if old == new:
        return None
    case.description = response.comment
    case.subject = case_subject(response.comment)
    case.satisfaction_before = response.satisfaction
    case.updated_at = now
    label = response.sentiment_label
    analysis = f" The analysis now says {label}." if label else ""
    event = CaseEvent(
        case_id=case.id,
        actor_kind="customer",
        kind="answer_changed",
        message=(
            f"The customer changed their survey answer from {_said(**old)} "
            f"to {_said(**new)}.{analysis}"
        ),
        data={"old": old, "new": new, "response_id": response.id, "label": label},
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    if case.assigned_rep_id is not None:
        outbox.add(NOTIFY_REP_JOB, event.id, family="mail")
    return event


def answer_was_changed(case: Case) -> bool:
    """Whether the customer changed the answer that opened the case (the case page then
    offers to close it as resolved by the customer)."""
    return any(event.kind == "answer_changed" for event in case.events)
