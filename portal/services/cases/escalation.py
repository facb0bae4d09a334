"""The breach sweep: a deadline that passes is recorded once, and the manager is told."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, Team, User
from portal.models.case import CLOCK_RUNNING_STATUSES
from portal.services.webhooks import events as webhook_events

BREACHES = {
    # which deadline: (due column, done column, breach mark column)
    "first_contact": ("first_contact_due", "first_contact_at", "first_contact_breached_at"),
    "resolution": ("resolve_due", "resolved_at", "resolve_breached_at"),
}


def mark_breaches(now: datetime) -> list[tuple[int, str]]:
    """Mark every newly breached deadline and queue the manager's email; commit.

    The guarded UPDATE ... WHERE <mark> IS NULL RETURNING id is what makes two sweeps racing
    escalate once: only one of them gets each id back.
    """
    marked: list[tuple[int, str]] = []
    for which, (due, done, mark) in BREACHES.items():
        ids = db.session.scalars(
            sa.update(Case)
            .where(
                Case.status.in_(CLOCK_RUNNING_STATUSES),  # a waiting case's clock is paused
                getattr(Case, due) < now,
                getattr(Case, done).is_(None),
                getattr(Case, mark).is_(None),
            )
            .values(
                {
                    mark: now,
                    "escalated_at": sa.func.coalesce(Case.escalated_at, now),
                    "version": Case.version + 1,
                }
            )
            .returning(Case.id)
            .execution_options(synchronize_session=False)
        ).all()
        for case_id in ids:
            label = "first contact" if which == "first_contact" else "resolution"
            db.session.add(
                CaseEvent(
                    case_id=case_id,
                    actor_kind="system",
                    kind="breach",
                    message=f"The {label} deadline passed: escalated to the manager.",
                    data={"deadline": which},
                    created_at=now,
                )
            )
            outbox.add("escalation.notify_manager_of_breach", case_id, which, family="mail")
            breached = db.session.get(Case, case_id, populate_existing=True)
            webhook_events.case_event("breached", breached, now, deadline=which)
            marked.append((case_id, which))
    db.session.commit()
    return marked


def managers_for(case: Case) -> list[User]:
    """Who hears about a breach: the lead of the assigned rep's team (or, for a triage case,
    of the team of the rep who made the sale); failing that, every active manager."""
    rep = case.assigned_rep or (case.sale.rep if case.sale else None)
    lead = rep.team.lead if rep is not None and rep.team is not None else None
    if lead is not None and lead.active and lead.id != case.assigned_rep_id:
        return [lead]
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == "manager", User.active.is_(True)).order_by(User.id)
        )
    )


def team_of(case: Case) -> Team | None:
    rep = case.assigned_rep or (case.sale.rep if case.sale else None)
    return rep.team if rep is not None else None
