"""Everything held about one customer, as one JSON-ready document (also the content of the
readable page an admin can print or save as PDF from the browser).

What it holds: the customer's record; their sales; survey invitations and answers; complaints
(filed under their customer record, or with their address); cases with their whole timeline
(messages both ways, notes, contacts, who handled it); the photos and files they sent (with a
complaint, on a status page, attached to an emailed reply); staff label corrections of those cases;
and the audit trail's entries about the customer. Status-link visits are not stored anywhere,
so there is nothing of them to export.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    AuditEvent,
    Case,
    CaseEvent,
    Complaint,
    Customer,
    InboundAttachment,
    Sale,
    SentimentCorrection,
    SurveyInvitation,
    SurveyResponse,
)
from portal.services import audit

CUSTOMER_FIELDS = (
    "id",
    "email",
    "name",
    "locale",
    "timezone",
    "created_at",
    "unsubscribed_at",
    "bounced_at",
    "last_surveyed_at",
    "anonymised_at",
)
SALE_FIELDS = ("id", "order_ref", "product", "amount", "currency", "sold_at", "created_at")
INVITATION_FIELDS = (
    "id",
    "kind",
    "sale_id",
    "case_id",
    "scheduled_for",
    "sent_at",
    "reminded_at",
    "opened_at",
    "answered_at",
    "bounced_at",
    "expires_at",
    "skipped_at",
    "skip_reason",
    "failed_at",
    "unsubscribed_at",
)
RESPONSE_FIELDS = (
    "id",
    "invitation_id",
    "satisfaction",
    "recommend",
    "comment",
    "may_contact",
    "resolved_concern",
    "submitted_at",
    "updated_at",
    "sentiment_label",
    "sentiment_polarity",
    "sentiment_reasons",
    "sentiment_flags",
    "added_to_case_id",  # the open case it was added to (one case per order), else NULL
)
COMPLAINT_FIELDS = (
    "id",
    "email",
    "name",
    "locale",
    "order_ref_given",
    "sale_id",
    "invitation_id",
    "category",
    "description",
    "contact_preference",
    "phone",
    "created_at",
    "confirmed_at",
    "sentiment_label",
    "sentiment_reasons",
    "added_to_case_id",
)
CASE_FIELDS = (
    "id",
    "source",
    "sale_id",
    "response_id",
    "complaint_id",
    "status",
    "severity",
    "category",
    "subject",
    "description",
    "contact_preference",
    "first_contact_due",
    "resolve_due",
    "first_contact_at",
    "resolved_at",
    "closed_at",
    "outcome",
    "resolution_summary",
    "satisfaction_before",
    "satisfaction_after",
    "reopen_count",
    "created_at",
    "updated_at",
)
EVENT_FIELDS = ("id", "created_at", "actor_kind", "kind", "message", "data")
CORRECTION_FIELDS = (
    "id",
    "case_id",
    "text",
    "original_label",
    "corrected_label",
    "note",
    "created_at",
)
AUDIT_FIELDS = ("at", "action", "actor_kind", "actor_email", "before", "after")
FILE_FIELDS = ("id", "source", "case_id", "complaint_id", "filename", "content_type", "size")
FILE_FIELDS += ("created_at",)


def customer_complaints_query(customer: Customer) -> sa.Select:
    """Their complaints: filed under their record, or with their address (a complaint whose
    order did not match still carries the address it was sent from)."""
    return sa.select(Complaint).where(
        sa.or_(Complaint.customer_id == customer.id, Complaint.email == customer.email)
    )


def customer_cases_query(customer: Customer) -> sa.Select:
    return sa.select(Case).where(Case.customer_id == customer.id)


def customer_files_query(customer: Customer) -> sa.Select:
    """The photos and files they sent: with their complaints (also before a case opened), on
    their cases' status pages, and attached to their emailed replies."""
    complaint_ids = customer_complaints_query(customer).with_only_columns(Complaint.id)
    case_ids = customer_cases_query(customer).with_only_columns(Case.id)
    return sa.select(InboundAttachment).where(
        sa.or_(
            InboundAttachment.case_id.in_(case_ids),
            InboundAttachment.complaint_id.in_(complaint_ids),
        )
    )


def customer_export(customer: Customer, now: datetime) -> dict[str, Any]:
    """Everything held about `customer`, JSON-ready (see the module docstring)."""
    sales = db.session.scalars(
        sa.select(Sale)
        .where(Sale.customer_id == customer.id)
        .options(joinedload(Sale.rep))
        .order_by(Sale.sold_at, Sale.id)
    ).all()
    invitations = db.session.scalars(
        sa.select(SurveyInvitation)
        .where(SurveyInvitation.customer_id == customer.id)
        .options(joinedload(SurveyInvitation.response))
        .order_by(SurveyInvitation.scheduled_for, SurveyInvitation.id)
    ).all()
    complaints = db.session.scalars(
        customer_complaints_query(customer).order_by(Complaint.created_at, Complaint.id)
    ).all()
    cases = db.session.scalars(
        customer_cases_query(customer)
        .options(joinedload(Case.assigned_rep))
        .order_by(Case.created_at, Case.id)
    ).all()
    case_ids = [case.id for case in cases]
    events = db.session.scalars(
        sa.select(CaseEvent)
        .where(CaseEvent.case_id.in_(case_ids))
        .options(joinedload(CaseEvent.actor))
        .order_by(CaseEvent.created_at, CaseEvent.id)
    ).all()
    corrections = db.session.scalars(
        sa.select(SentimentCorrection)
        .where(SentimentCorrection.case_id.in_(case_ids))
        .order_by(SentimentCorrection.id)
    ).all()
    files = db.session.scalars(customer_files_query(customer).order_by(InboundAttachment.id)).all()
    trail = db.session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.target_type == "customer", AuditEvent.target_id == str(customer.id))
        .order_by(AuditEvent.id)
    ).all()
    events_of: dict[int, list] = {case_id: [] for case_id in case_ids}
    for event in events:
        events_of[event.case_id].append(
            {
                **audit.snapshot(event, EVENT_FIELDS),
                "by": event.actor.name if event.actor else event.actor_kind,
            }
        )
    return {
        "exported_at": audit.jsonable(now),
        "customer": audit.snapshot(customer, CUSTOMER_FIELDS),
        "sales": [
            {**audit.snapshot(s, SALE_FIELDS), "rep": s.rep.name if s.rep else None} for s in sales
        ],
        "survey_invitations": [
            {
                **audit.snapshot(inv, INVITATION_FIELDS),
                "answer": _answer(inv.response),
            }
            for inv in invitations
        ],
        "complaints": [audit.snapshot(c, COMPLAINT_FIELDS) for c in complaints],
        "cases": [
            {
                **audit.snapshot(case, CASE_FIELDS),
                "assigned_rep": case.assigned_rep.name if case.assigned_rep else None,
                "timeline": events_of[case.id],
            }
            for case in cases
        ],
        "label_corrections": [audit.snapshot(c, CORRECTION_FIELDS) for c in corrections],
        # The files themselves too, base64-encoded (the readable page names them).
        "files": [
            {**audit.snapshot(f, FILE_FIELDS), "data_base64": base64.b64encode(f.data).decode()}
            for f in files
        ],
        "status_link_visits": [],  # not recorded by the portal
        "audit_trail": [audit.snapshot(e, AUDIT_FIELDS) for e in trail],
    }


def _answer(response: SurveyResponse | None) -> dict | None:
    return audit.snapshot(response, RESPONSE_FIELDS) if response is not None else None


def record_export(customer: Customer, what: str) -> None:
    """The export goes to the audit trail (no name or address in it), and is committed."""
    audit.record("customer.exported", customer, after={"format": what})
    db.session.commit()
