"""Waiting for the customer: a case that needs an answer from the customer pauses its
resolution clock until they answer, or until a set number of business days pass.

- `wait_for_customer`: a contacted or reopened case (TRANSITIONS "wait", services/cases/work.py)
  becomes "waiting"; the rep's question is emailed to the customer (and shown on their status
  page), and a CasePause row remembers when the wait began and when it gives up (`resume_by`,
  counted in business days of the team's calendar).
- The wait ends (`end_wait`, TRANSITIONS "resume": back to "contacted", in the queue) when the
  customer answers on their status page, when a person takes the case back, or when the
  periodic sweep finds `resume_by` passed (`return_unanswered`).
- On every ending, the resolve deadline moves later by the time paused (working time when the
  SLA policy counts business hours, clock time otherwise), and the breach sweep never looks at
  a waiting case (services/cases/escalation.py counts CLOCK_RUNNING_STATUSES only). The
  resolution figures leave the paused time out (portal/metrics/paused_time.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.metrics.business_time import working_minutes_between
from portal.models import Case, CaseEvent, CasePause, User
from portal.services.cases import messages
from portal.services.cases.rules import StaleCaseError, check_version, saving
from portal.services.cases.work import next_status
from portal.services.rules import RuleError
from portal.services.sla.calendar import add_working_minutes, calendar_for_team
from portal.services.sla.deadlines import calendar_team, policy_for

WAIT_DAY_CHOICES = (1, 2, 3, 5, 10)
DEFAULT_WAIT_DAYS = 3
ENDINGS = {
    "customer": "The customer answered: back in the queue.",
    "staff": "Taken back by {who}: back in the queue.",
    "no_answer": "No answer from the customer in {days}: back in the queue.",
}


def current_pause(case: Case) -> CasePause | None:
    """The wait the case is in now, if any."""
    return db.session.scalar(
        sa.select(CasePause).where(CasePause.case_id == case.id, CasePause.ended_at.is_(None))
    )


def wait_for_customer(
    case: Case,
    actor: User,
    question: str,
    business_days: int,
    version: int | None,
    now: datetime,
) -> CasePause:
    """Ask the customer `question` (emailed, with their status link) and pause the case's
    resolution clock until they answer or `business_days` working days pass. Committed."""
    check_version(case, version)
    if business_days not in WAIT_DAY_CHOICES:
        days = ", ".join(map(str, WAIT_DAY_CHOICES))
        raise RuleError(f"Choose how many business days to wait: {days}.", "days")
    status = next_status(case, "wait")
    calendar = calendar_for_team(calendar_team(case))
    resume_by = add_working_minutes(now, business_days * calendar.day_minutes, calendar)
    with saving():
        try:
            messages.send_to_customer(case, actor, question, now)
        except RuleError as exc:
            raise RuleError(str(exc), "question") from None
        case.status = status
        case.updated_at = now
        pause = CasePause(
            case_id=case.id,
            started_at=now,
            started_by_id=actor.id,
            business_days=business_days,
            resume_by=resume_by,
            question=question.strip(),
        )
        db.session.add(pause)
        db.session.add(
            CaseEvent(
                case_id=case.id,
                actor_kind="staff",
                actor_id=actor.id,
                kind="waiting_for_customer",
                message=(
                    f"Waiting for the customer, asked by {actor.name}; the resolution clock "
                    f"is paused, back in the queue by {resume_by:%Y-%m-%d %H:%M} UTC "
                    "without an answer."
                ),
                data={"business_days": business_days, "resume_by": resume_by.isoformat()},
                created_at=now,
            )
        )
    outbox.flush()
    return pause


def paused_due(case: Case, pause: CasePause, now: datetime) -> datetime | None:
    """The resolve deadline moved later by the time the case waited (working time of the
    team's calendar when the SLA policy counts business hours)."""
    if case.resolve_due is None:
        return None
    if not policy_for(case.severity).business_hours:
        return case.resolve_due + max(now - pause.started_at, timedelta(0))
    calendar = calendar_for_team(calendar_team(case))
    minutes = working_minutes_between(pause.started_at, now, calendar)
    return add_working_minutes(case.resolve_due, round(minutes), calendar)


def end_wait(case: Case, now: datetime, ended_by: str, actor: User | None = None) -> bool:
    """End the case's wait: back to "contacted" in the queue, the resolve deadline moved by
    the time paused. Committed. False (nothing changed) when the case was not waiting, or
    another process ended the wait first (the guarded UPDATE lets only one of them)."""
    if ended_by not in ENDINGS or (ended_by == "staff" and actor is None):
        raise ValueError(f"end_wait: unknown ending {ended_by!r} or no staff actor")
    pause = current_pause(case)
    if pause is None or case.status != "waiting":
        return False
    ended = db.session.execute(
        sa.update(CasePause)
        .where(CasePause.id == pause.id, CasePause.ended_at.is_(None))
        .values(ended_at=now, ended_by=ended_by)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not ended:
        db.session.rollback()
        return False
    due = paused_due(case, pause, now)
    who = actor.name if actor is not None else ""
    with saving():
        case.status = next_status(case, "resume")
        case.updated_at = now
        case.resolve_due = due
        days = f"{pause.business_days} business day{'s' if pause.business_days != 1 else ''}"
        message = ENDINGS[ended_by].format(who=who, days=days)
        if due is not None:
            message += f" Resolve by {due:%Y-%m-%d %H:%M} UTC."
        db.session.add(
            CaseEvent(
                case_id=case.id,
                actor_kind="staff"
                if actor
                else ("customer" if ended_by == "customer" else "system"),
                actor_id=actor.id if actor else None,
                kind="waiting_ended",
                message=message,
                data={
                    "ended_by": ended_by,
                    "paused_from": pause.started_at.isoformat(),
                    "resolve_due": due.isoformat() if due else None,
                },
                created_at=now,
            )
        )
    return True


def take_back(case: Case, actor: User, version: int | None, now: datetime) -> None:
    """A person ends the wait (the customer answered by phone, or the rep will not wait)."""
    check_version(case, version)
    next_status(case, "resume")  # a case that is not waiting is refused with the reason
    if not end_wait(case, now, "staff", actor):
        raise RuleError("This case is not waiting for the customer.")


def customer_answered(case: Case, now: datetime) -> bool:
    """The customer wrote on their status page (their words are stored already). A staff
    change of the case at the same moment wins; the customer still sees their message sent."""
    try:
        return end_wait(case, now, "customer")
    except StaleCaseError:
        return False


def return_unanswered(now: datetime) -> list[int]:
    """Periodic: cases whose wait gave up (`resume_by` passed) go back to the queue."""
    due = db.session.execute(
        sa.select(CasePause.case_id).where(CasePause.ended_at.is_(None), CasePause.resume_by <= now)
    ).scalars()
    returned = []
    for case_id in list(due):
        case = db.session.get(Case, case_id)
        if case is not None and end_wait(case, now, "no_answer"):
            returned.append(case_id)
    return returned
