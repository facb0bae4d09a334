"""How serious a case is: the severity a new case gets from the customer's words and rating
(one step up for a key customer), and a manager's change of it, which moves both deadlines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, Sale, User
from portal.models.case import SEVERITIES
from portal.services.cases.escalation import BREACHES
from portal.services.cases.rules import check_version, required, saving, when
from portal.services.rules import RuleError
from portal.services.sla.deadlines import deadlines_for_case, policy_for

# A customer who bought this often, or this much (in any currency), is a key customer:
# their complaint goes one severity up.
KEY_CUSTOMER_PURCHASES = 3
KEY_CUSTOMER_AMOUNT = Decimal("50000")


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
        # SEVERITIES runs from the most serious down: one step up is one place to the left.
        severity = SEVERITIES[max(SEVERITIES.index(severity) - 1, 0)]
    return severity


@dataclass(frozen=True)
class SeveritySla:
    severity: str
    first_contact: str  # "4 business hours"
    resolve: str


def severity_slas() -> list[SeveritySla]:
    """Each severity with its SLA, so the manager sees what a change means for the deadlines."""
    rows = []
    for severity in SEVERITIES:
        policy = policy_for(severity)
        rows.append(
            SeveritySla(severity, policy.describe("first_contact"), policy.describe("resolve"))
        )
    return rows


def change_severity(
    case: Case, actor: User, severity: str, reason: str, version: int | None, now: datetime
) -> None:
    """Set a new severity and recompute both deadlines from its SLA policy, counted from when
    the case was opened. Committed."""
    check_version(case, version)
    if severity not in SEVERITIES:
        raise RuleError("Choose a severity from the list.", "severity")
    if severity == case.severity:
        raise RuleError(f"The severity is already {severity}.", "severity")
    reason = required(reason, "Say why the severity changes: it goes in the timeline.", "reason")
    old = case.severity
    due = deadlines_for_case(case, case.created_at, severity=severity)
    with saving():
        case.severity = severity
        case.first_contact_due, case.resolve_due = due.first_contact_due, due.resolve_due
        # A breach of the old deadline that the new one no longer makes is lifted, so that the
        # breach sweep watches the new deadline; a breach that still holds stays recorded.
        lifted = []
        for which, (due_at, done_at, mark) in BREACHES.items():
            if getattr(case, mark) and (getattr(case, done_at) or now) <= getattr(case, due_at):
                setattr(case, mark, None)
                lifted.append(which.replace("_", " "))
        message = (
            f"Severity changed from {old} to {severity} by {actor.name}: {reason}. "
            f"First contact by {when(due.first_contact_due)}, resolve by {when(due.resolve_due)}."
        )
        if lifted:
            message += f" The {' and '.join(lifted)} deadline is no longer missed."
        db.session.add(
            CaseEvent(
                case_id=case.id,
                actor_kind="staff",
                actor_id=actor.id,
                kind="severity_changed",
                message=message,
                data={
                    "from": old,
                    "to": severity,
                    "reason": reason,
                    "first_contact_due": due.first_contact_due.isoformat(),
                    "resolve_due": due.resolve_due.isoformat(),
                },
                created_at=now,
            )
        )
