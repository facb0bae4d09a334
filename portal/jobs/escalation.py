"""Jobs of escalation: the periodic breach sweep, and the manager's email."""

from __future__ import annotations

import sqlalchemy as sa

from portal import mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import Case, CaseEvent, utcnow
from portal.services.cases.escalation import managers_for, mark_breaches
from portal.services.staff.time_zones import zone_of
from portal.urls import external_url


@job("escalation.sweep_breaches")
def sweep_breaches() -> int:
    """Periodic: record newly breached deadlines and queue the managers' emails."""
    marked = mark_breaches(utcnow())
    outbox.flush()
    return len(marked)


@job("escalation.notify_manager_of_breach")
def notify_manager_of_breach(case_id: int, which: str) -> int:
    """Email the manager(s) about one breach, once (claimed before sending, and a timeline
    event remembers it)."""
    if not claims.claim(notify_manager_of_breach, case_id, which):
        return 0
    case = db.session.get(Case, case_id)
    already = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(CaseEvent)
        .where(
            CaseEvent.case_id == case_id,
            CaseEvent.kind == "manager_notified",
            CaseEvent.message.contains(which.replace("_", " ")),
        )
    )
    if case is None or already:
        outbox.mark_done("escalation.notify_manager_of_breach", case_id, which)
        db.session.commit()
        return 0
    managers = managers_for(case)
    label = "first contact" if which == "first_contact" else "resolution"
    link = external_url("cases.show", case_id=case.id)
    with mail.connect() as sender:
        for manager in managers:
            sender.send(
                mail.build_message(
                    manager.email,
                    f"Deadline missed: {label} of case #{case.id} ({case.customer.name})",
                    "case_breach",
                    case=case,
                    manager=manager,
                    label=label,
                    link=link,
                    reader_zone=zone_of(manager),
                )
            )
    names = ", ".join(m.name for m in managers) or "nobody (no manager found)"
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind="manager_notified",
            message=f"Missed {label}: {names} emailed.",
            data={"deadline": which, "manager_ids": [m.id for m in managers]},
        )
    )
    outbox.mark_done("escalation.notify_manager_of_breach", case_id, which)
    db.session.commit()
    return len(managers)
