"""From a customer's words to a case in the right rep's queue, with deadlines.

Each function here runs inside one transaction of its job: the analysis, the case, its
timeline, its deadlines and the outbox rows for the emails commit together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, Complaint, Customer, Sale, SurveyResponse, User
from portal.services.sla import calendar_for_team, deadlines_for, policy_for

# A customer who bought this often, or this much (in any currency), is a key customer:
# their complaint goes one severity up.
KEY_CUSTOMER_PURCHASES = 3
KEY_CUSTOMER_AMOUNT = Decimal("50000")
SEVERITY_ORDER = ("low", "normal", "high", "critical")


@dataclass(frozen=True)
class Route:
    rep: User | None
    reason: str


def choose_assignee(sale: Sale | None, now: datetime) -> Route:
    """The rep who made the sale; if they are away or gone, their stand-in; else their team
    lead; with no known sale or nobody available, the triage queue (None)."""
    if sale is None:
        return Route(None, "No known sale: in the triage queue for a manager to assign.")
    rep = sale.rep
    if rep is None:
        return Route(None, "The sale has no rep: in the triage queue for a manager to assign.")
    if rep.active and not rep.is_away(now):
        return Route(rep, f"Assigned to {rep.name}, who made the sale.")
    why = "inactive" if not rep.active else "away"
    stand_in = rep.stand_in
    if stand_in is not None and stand_in.active and not stand_in.is_away(now):
        return Route(stand_in, f"Assigned to {stand_in.name}, stand-in for {rep.name} ({why}).")
    lead = rep.team.lead if rep.team is not None else None
    if lead is not None and lead.active and not lead.is_away(now):
        return Route(
            lead, f"Assigned to {lead.name}, team lead: {rep.name} is {why} with no stand-in."
        )
    return Route(None, f"{rep.name} is {why} and nobody stands in: in the triage queue.")


def is_key_customer(customer_id: int) -> bool:
    count, total = db.session.execute(
        sa.select(sa.func.count(Sale.id), sa.func.coalesce(sa.func.sum(Sale.amount), 0)).where(
            Sale.customer_id == customer_id
        )
    ).one()
    total = Decimal(total) / 100 if isinstance(total, int) else Decimal(total or 0)
    return count >= KEY_CUSTOMER_PURCHASES or total >= KEY_CUSTOMER_AMOUNT


def severity_for(polarity: float | None, satisfaction: int | None, key_customer: bool) -> str:
    """Severity from how strongly the customer spoke and rated, one step up for key
    customers. Staff can change it on the case."""
    polarity = polarity if polarity is not None else 0.0
    if polarity <= -0.75 or satisfaction == 1:
        severity = "high"
    elif polarity <= -0.2 or satisfaction == 2:
        severity = "normal"
    else:
        severity = "low"
    if key_customer:
        severity = SEVERITY_ORDER[min(SEVERITY_ORDER.index(severity) + 1, 3)]
    return severity


def open_case(
    *,
    source: str,
    customer: Customer,
    sale: Sale | None,
    now: datetime,
    polarity: float | None,
    satisfaction: int | None,
    reasons: list[str] | None,
    needs_review: bool,
    response: SurveyResponse | None = None,
    complaint: Complaint | None = None,
    subject: str | None = None,
    description: str | None = None,
    category: str | None = None,
    contact_preference: str | None = None,
) -> Case:
    """Open, route and schedule one case (flushed, not committed)."""
    from portal.jobs.triage import notify_case_assigned
    from portal.services import outbox

    severity = severity_for(polarity, satisfaction, is_key_customer(customer.id))
    route = choose_assignee(sale, now)
    team = (
        route.rep.team if route.rep is not None else (sale.rep.team if sale and sale.rep else None)
    )
    due = deadlines_for(policy_for(severity), now, calendar_for_team(team))
    case = Case(
        source=source,
        customer_id=customer.id,
        sale_id=sale.id if sale else None,
        response_id=response.id if response else None,
        complaint_id=complaint.id if complaint else None,
        assigned_rep_id=route.rep.id if route.rep else None,
        severity=severity,
        category=category,
        subject=subject,
        description=description,
        contact_preference=contact_preference,
        first_contact_due=due.first_contact_due,
        resolve_due=due.resolve_due,
        satisfaction_before=satisfaction,
        needs_review=needs_review,
        created_at=now,
    )
    db.session.add(case)
    db.session.flush()
    why = "; ".join(reasons or []) or "no reasons recorded"
    db.session.add_all(
        [
            CaseEvent(
                case_id=case.id,
                actor_kind="system",
                kind="opened",
                message=f"Opened from {source.replace('_', ' ')} ({severity}): {why}.",
                data={"reasons": reasons or [], "polarity": polarity},
                created_at=now,
            ),
            CaseEvent(
                case_id=case.id,
                actor_kind="system",
                kind="assigned" if route.rep else "triaged",
                message=route.reason,
                data={"rep_id": route.rep.id if route.rep else None},
                created_at=now,
            ),
        ]
    )
    if route.rep is not None:
        outbox.add(notify_case_assigned, case.id, family="mail")
    return case
