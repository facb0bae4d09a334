"""Demo: one open case whose customer wrote again about the same order through the complaint
form, added to the case instead of opening a second one (services/cases/joining.py), so the
case page, the queue and the customer's status page show "the customer wrote again"."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, Complaint, User
from portal.services.cases.joining import WROTE_AGAIN
from portal.services.demo.content import LOGIN_REPS

AGAIN = {
    "en": "I am writing again about the same order: still nothing has happened, and the "
    "delivery note says it was delivered. Please call me back.",
    "sv": "Jag skriver igen om samma beställning: fortfarande har inget hänt, och "
    "följesedeln säger att den är levererad. Ring mig gärna.",
}


def add_wrote_again(cases: list[Case], now: datetime) -> Case | None:
    """The newest open, not yet contacted case of the first login rep with an order gets a
    complaint added to it, halfway between its opening and now (flushed)."""
    rep = db.session.scalar(sa.select(User).where(User.name == LOGIN_REPS[0]))
    picked = next(
        (
            c
            for c in sorted(cases, key=lambda c: c.created_at, reverse=True)
            if rep is not None
            and c.assigned_rep_id == rep.id
            and c.status == "open"
            and c.sale_id is not None
            and c.first_contact_at is None
            and c.created_at < now - timedelta(minutes=30)
        ),
        None,
    )
    if picked is None:
        return None
    customer = picked.customer
    when = picked.created_at + (now - picked.created_at) / 2
    words = AGAIN["sv" if customer.locale == "sv" else "en"]
    complaint = Complaint(
        email=customer.email,
        name=customer.name,
        locale=customer.locale or "en",
        order_ref_given=picked.sale.order_ref,
        customer_id=customer.id,
        sale_id=picked.sale_id,
        category="delivery",
        description=words,
        contact_preference="phone" if picked.contact_preference == "phone" else "email",
        created_at=when - timedelta(minutes=2),
        confirmed_at=when - timedelta(minutes=1),
        added_to_case_id=picked.id,
    )
    complaint.sentiment_label, complaint.analysed_at = "negative", when
    source = {"wrote_again": "complaint_form", "category": "delivery"}
    db.session.add(complaint)
    db.session.flush()
    source["complaint_id"] = complaint.id
    db.session.add_all([
        CaseEvent(case_id=picked.id, actor_kind="customer", kind=WROTE_AGAIN, message=words,
                  data={**source, "rep_emailed_at": when.isoformat()}, created_at=when),
        CaseEvent(case_id=picked.id, actor_kind="system", kind="wrote_again",
                  message="The customer wrote again (complaint form): added to this case, not "
                  "a new one. Deadlines unchanged.", data=source, created_at=when),
    ])  # fmt: skip
    db.session.flush()
    return picked
