"""Erasing a customer's words and contact data, on their request or by the retention rule,
while every figure stays as it was.

What goes (replaced by MARKER): the words of their survey answers, complaints, cases (subject,
description, resolution summary), every message and note on their cases' timelines, the
analysis' reasons (quoted words), the text of label corrections; their email address, name,
phone number and time zone. The photos and files they sent are deleted. What stays: scores
(satisfaction, recommendation), sentiment labels, dates, deadlines, statuses, outcomes,
assignments and amounts, so the performance records and every figure of the dashboard are the
same before and after (tested).

An anonymised customer gets no more surveys or emails (unsubscribed and marked bounced; their
address is gone anyway), and a later sale to their old address makes a new customer.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
    Complaint,
    Customer,
    InboundAttachment,
    SentimentCorrection,
    SurveyInvitation,
    SurveyResponse,
    User,
)
from portal.services import audit
from portal.services.customer_data.export import (
    customer_cases_query,
    customer_complaints_query,
    customer_files_query,
)
from portal.services.rules import RuleError

MARKER = "[anonymised]"
ANONYMOUS_DOMAIN = "anonymised.invalid"  # .invalid never resolves (RFC 2606): never mailed


def anonymous_email(customer_id: int) -> str:
    return f"customer-{customer_id}@{ANONYMOUS_DOMAIN}"


def check_confirmation(customer: Customer, typed: str) -> None:
    """The admin typed the customer's address to confirm: it must be that address."""
    if (typed or "").strip().lower() != customer.email:
        raise RuleError(
            f"Type the customer's email address, {customer.email}, exactly to confirm.",
            "confirm_email",
        )


def anonymise_customer(customer: Customer, now: datetime, actor: User | None = None) -> dict:
    """Replace `customer`'s words and contact data (see the module docstring), record it in the
    audit trail, commit. Returns how many of each were replaced. Running it again changes
    nothing more (and records nothing)."""
    if customer.anonymised_at is not None:
        raise RuleError("This customer's data is already anonymised.")
    case_ids = list(db.session.scalars(customer_cases_query(customer).with_only_columns(Case.id)))
    counts = {
        "answers": blank_answers(
            sa.select(SurveyResponse.id)
            .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
            .where(SurveyInvitation.customer_id == customer.id)
        ),
        "complaints": blank_complaints(
            customer_complaints_query(customer).with_only_columns(Complaint.id),
            contact_data=True,
        ),
        "case_texts": blank_cases(case_ids),
        "case_entries": blank_events(
            sa.select(CaseEvent.id).where(CaseEvent.case_id.in_(case_ids))
        ),
        "corrections": blank_corrections(case_ids),
        "files": delete_files(
            customer_files_query(customer).with_only_columns(InboundAttachment.id)
        ),
    }
    customer.email = anonymous_email(customer.id)
    customer.name = MARKER
    customer.timezone = None
    customer.unsubscribed_at = customer.unsubscribed_at or now
    customer.bounced_at = customer.bounced_at or now
    customer.anonymised_at = now
    audit.record("customer.anonymised", customer, after=counts, actor=actor)
    db.session.commit()
    return counts


# --- the pieces, shared with the retention rule (retention.py) ------------------------------


def not_blank(column):
    return sa.and_(column.is_not(None), column != MARKER)


def blank_answers(ids: sa.Select) -> int:
    result = db.session.execute(
        sa.update(SurveyResponse)
        .where(SurveyResponse.id.in_(ids), not_blank(SurveyResponse.comment))
        .values(comment=MARKER, sentiment_reasons=[])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def blank_complaints(ids: sa.Select, contact_data: bool) -> int:
    values = {"description": MARKER, "sentiment_reasons": []}
    if contact_data:
        # Each complaint keeps an address of its own (the order may not have matched).
        values.update(
            name=MARKER,
            phone=None,
            email=sa.literal("complaint-")
            + sa.cast(Complaint.id, sa.String)
            + sa.literal("@" + ANONYMOUS_DOMAIN),
        )
        condition = Complaint.id.in_(ids)
    else:
        condition = sa.and_(Complaint.id.in_(ids), not_blank(Complaint.description))
    result = db.session.execute(
        sa.update(Complaint)
        .where(condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


CASE_TEXTS = ("subject", "description", "resolution_summary")


def blank_cases(case_ids: list[int] | sa.Select, columns: tuple[str, ...] = CASE_TEXTS) -> int:
    """The case's texts (subject, description and resolution summary); its version is left
    alone (a text change is no change of its state), and its updated_at too."""
    changed = 0
    for column in columns:
        result = db.session.execute(
            sa.update(Case)
            .where(Case.id.in_(case_ids), not_blank(getattr(Case, column)))
            .values({column: MARKER, "updated_at": Case.updated_at, "version": Case.version})
            .execution_options(synchronize_session=False)
        )
        changed += result.rowcount
    return changed


def blank_events(ids: sa.Select, messages: bool = True) -> int:
    """Every message and note written by staff or the customer on the timelines (unless
    `messages` is False), the "opened" entry (it quotes the analysis' reasons), and the
    reasons kept with it. The portal's own entries ("Assigned to ...") stay readable."""
    changed = 0
    if messages:
        written = sa.or_(CaseEvent.actor_kind != "system", CaseEvent.kind == "opened")
        changed = db.session.execute(
            sa.update(CaseEvent)
            .where(CaseEvent.id.in_(ids), written, not_blank(CaseEvent.message))
            .values(message=MARKER)
            .execution_options(synchronize_session=False)
        ).rowcount
    quoted = db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.id.in_(ids), CaseEvent.data.is_not(None))
    ).all()
    for event in quoted:
        if isinstance(event.data, dict) and event.data.get("reasons"):
            event.data = {**event.data, "reasons": []}
        if messages and isinstance(event.data, dict) and event.data.get("attachments"):
            # File names are the customer's words too ("anna-svensson-receipt.pdf").
            named = [{**f, "filename": MARKER} for f in event.data["attachments"]]
            event.data = {**event.data, "attachments": named}
    return changed


def delete_files(ids: sa.Select) -> int:
    """Photos and files are the customer's own, like their words: they are deleted (their
    names on the timeline are replaced with the messages' words, blank_events)."""
    result = db.session.execute(
        sa.delete(InboundAttachment)
        .where(InboundAttachment.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def blank_corrections(case_ids: list[int] | sa.Select) -> int:
    result = db.session.execute(
        sa.update(SentimentCorrection)
        .where(
            SentimentCorrection.case_id.in_(case_ids),
            sa.or_(not_blank(SentimentCorrection.text), not_blank(SentimentCorrection.note)),
        )
        .values(
            text=sa.case((SentimentCorrection.text.is_(None), sa.null()), else_=MARKER),
            note=sa.case((SentimentCorrection.note.is_(None), sa.null()), else_=MARKER),
            original_reasons=[],
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
