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
from portal.services.sla.calendar import Calendar, calendar_for_team
from portal.services.sla.deadlines import (
    calendar_team,
    counts_business_hours,
    deadlines_for_case,
    policy_for,
)
from portal.timefmt import zone_city

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
    first_contact: str  # "4 business hours", or "4 hours" of the clock
    resolve: str


@dataclass(frozen=True)
class SlaTable:
    rows: list[SeveritySla]
    counting: str  # how the hours are counted for this case, in a sentence


WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _days(workdays: frozenset[int]) -> str:
    """ "Mon-Fri" (an en dash), or the days one by one when they are not in a row."""
    days = sorted(workdays)
    if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
        return f"{WEEKDAYS[days[0] - 1]}\u2013{WEEKDAYS[days[-1] - 1]}"
    return ", ".join(WEEKDAYS[d - 1] for d in days)


def _counting(calendar: Calendar, team_name: str | None, business: set[bool]) -> str:
    whose = f"the {team_name} team's calendar" if team_name else "the default calendar"
    hours = (
        f"{_days(calendar.workdays)} {calendar.start:%H:%M}\u2013{calendar.end:%H:%M} "
        f"{zone_city(calendar.zone)} time"
    )
    if business == {False}:
        return (
            f"Counted from when the case was opened, in clock hours: {whose} is on call "
            "round the clock."
        )
    text = (
        f"Counted from when the case was opened, in business hours of {whose} "
        f"({hours}); a business day is one working day. Time outside those hours and the "
        "calendar's holidays do not count."
    )
    if business == {True, False}:
        text += " Severities in clock hours count day and night (the team is on call)."
    return text


def severity_slas(case: Case) -> SlaTable:
    """Each severity with its SLA as it counts for `case` (its team's calendar), so the
    manager sees what a change means for the deadlines."""
    team = calendar_team(case)
    calendar = calendar_for_team(team)
    rows, business = [], set()
    for severity in SEVERITIES:
        policy = policy_for(severity)
        counts = counts_business_hours(policy, calendar)
        business.add(counts)
        rows.append(
            SeveritySla(
                severity,
                policy.describe("first_contact", counts),
                policy.describe("resolve", counts),
            )
        )
    return SlaTable(rows, _counting(calendar, team.name if team else None, business))


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
            due_now = getattr(case, due_at)
            if getattr(case, mark) and due_now and (getattr(case, done_at) or now) <= due_now:
                setattr(case, mark, None)
                lifted.append(which.replace("_", " "))
        message = (
            f"Severity changed from {old} to {severity} by {actor.name}: {reason}. "
            + (
                f"First contact by {when(due.first_contact_due)}, "
                if due.first_contact_due
                else "No first-contact deadline (no contact wanted); "
            )
            + f"resolve by {when(due.resolve_due)}."
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
                    "first_contact_due": (
                        due.first_contact_due.isoformat() if due.first_contact_due else None
                    ),
                    "resolve_due": due.resolve_due.isoformat(),
                },
                created_at=now,
            )
        )
