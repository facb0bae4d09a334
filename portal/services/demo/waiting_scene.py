"""Demo: a few contacted cases wait for the customer's answer (services/cases/waiting.py), so
the queue, the case page and the customer's status page show that status."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, CasePause, User
from portal.services.cases.messages import TO_CUSTOMER
from portal.services.demo.content import LOGIN_REPS
from portal.services.sla.calendar import add_working_minutes, calendar_for_team

QUESTION = "Could you send us a photo of the damage, and the serial number on the label?"
WAITING_CASES = 2


def put_waiting(cases: list[Case], now: datetime) -> int:
    """Up to WAITING_CASES recently contacted cases of the demo's login reps start waiting
    (a day ago, or after their last event; flushed, in the seeding transaction)."""
    reps = {u.id: u for u in db.session.query(User).filter(User.name.in_(LOGIN_REPS))}
    picked = [
        c
        for c in sorted(cases, key=lambda c: c.created_at, reverse=True)
        if c.status == "contacted" and c.assigned_rep_id in reps and c.resolve_due
    ][:WAITING_CASES]
    for case in picked:
        rep = reps[case.assigned_rep_id]
        last = db.session.scalar(
            sa.select(sa.func.max(CaseEvent.created_at)).where(CaseEvent.case_id == case.id)
        )
        # After everything else on its timeline, a day ago if it can be.
        asked = min(max(last + timedelta(minutes=5), now - timedelta(days=1)), now)
        calendar = calendar_for_team(rep.team)
        resume_by = add_working_minutes(asked, 3 * calendar.day_minutes, calendar)
        case.status = "waiting"
        db.session.add(
            CasePause(
                case_id=case.id,
                started_at=asked,
                started_by_id=rep.id,
                business_days=3,
                resume_by=resume_by,
                question=QUESTION,
            )
        )
        db.session.add_all([
            CaseEvent(
                case_id=case.id,
                actor_kind="staff",
                actor_id=rep.id,
                kind=TO_CUSTOMER,
                message=QUESTION,
                created_at=asked,
            ),
            CaseEvent(
                case_id=case.id,
                actor_kind="staff",
                actor_id=rep.id,
                kind="waiting_for_customer",
                message=f"Waiting for the customer, asked by {rep.name}; the resolution clock "
                f"is paused, back in the queue by {resume_by:%Y-%m-%d %H:%M} UTC without an "
                "answer.",
                data={"business_days": 3, "resume_by": resume_by.isoformat()},
                created_at=asked,
            ),
        ])  # fmt: skip
    db.session.flush()
    return len(picked)
