"""Opening a case from a customer's words: its severity, who gets it, its deadlines, its
complaint themes, its timeline, and the assigned rep's email, all in the transaction of the job
that analysed them.
"""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, Complaint, Customer, Sale, SurveyResponse
from portal.services import customer_files
from portal.services.cases.routing import choose_assignee
from portal.services.cases.severity import is_key_customer, severity_for
from portal.services.cases.themes import assign_auto as assign_themes
from portal.services.sla.deadlines import deadlines_for_case
from portal.services.webhooks import events as webhook_events


def case_subject(text: str | None) -> str | None:
    """A case's subject: the first line of the customer's words, at most 80 characters."""
    if not text:
        return None
    first = text.strip().splitlines()[0]
    return first if len(first) <= 80 else first[:77].rstrip() + "..."


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
    severity = severity_for(polarity, satisfaction, is_key_customer(customer.id))
    route = choose_assignee(sale, now)
    case = Case(
        source=source,
        customer_id=customer.id,
        sale=sale,
        response_id=response.id if response else None,
        complaint_id=complaint.id if complaint else None,
        assigned_rep=route.rep,
        covering_for=route.covering_for,
        severity=severity,
        category=category,
        subject=subject,
        description=description,
        contact_preference=contact_preference,
        # A survey answer says whether they may be contacted; a complaint is asking to be.
        contact_wanted=bool(response.may_contact) if response is not None else True,
        satisfaction_before=satisfaction,
        needs_review=needs_review,
        created_at=now,
    )
    due = deadlines_for_case(case, now)
    case.first_contact_due, case.resolve_due = due.first_contact_due, due.resolve_due
    db.session.add(case)
    db.session.flush()
    why = "; ".join(reasons or []) or "no reasons recorded"
    if not case.contact_wanted:
        why += (
            '. No contact wanted ("You may contact me" left unticked): no first-contact '
            "deadline; review, note what was done, resolve"
        )
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
                data={
                    "rep_id": route.rep.id if route.rep else None,
                    "covering_for_id": route.covering_for.id if route.covering_for else None,
                },
                created_at=now,
            ),
        ]
    )
    assign_themes(case, description, category, now)  # delivery, billing... (themes.py)
    if complaint is not None:
        customer_files.move_to_case(complaint, case)  # the photos sent with the complaint
    if route.rep is not None:
        outbox.add("triage.notify_case_assigned", case.id, family="mail")
    webhook_events.case_event("opened", case, now)
    return case
