"""Finding a customer by their email address or one of their order refs."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Complaint, Customer, Sale
from portal.services.addresses import normalise_email

SEARCH_LIMIT = 50


def find_customers(text: str) -> list[Customer]:
    """Customers whose address contains `text`, who made the order `text`, or who named it
    on a complaint; at most SEARCH_LIMIT, by address."""
    text = text.strip()
    if not text:
        return []
    by_order = sa.select(Sale.customer_id).where(Sale.order_ref == text)
    by_complaint = sa.select(Complaint.customer_id).where(
        Complaint.order_ref_given == text, Complaint.customer_id.is_not(None)
    )
    query = (
        sa.select(Customer)
        .where(
            sa.or_(
                Customer.email.icontains(normalise_email(text), autoescape=True),
                Customer.id.in_(by_order),
                Customer.id.in_(by_complaint),
            )
        )
        .order_by(Customer.email)
        .limit(SEARCH_LIMIT)
    )
    return list(db.session.scalars(query))


def sale_counts(customers: list[Customer]) -> dict[int, int]:
    if not customers:
        return {}
    rows = db.session.execute(
        sa.select(Sale.customer_id, sa.func.count(Sale.id))
        .where(Sale.customer_id.in_([c.id for c in customers]))
        .group_by(Sale.customer_id)
    )
    return dict(rows.all())
