"""Cases as other systems see them: the read API (portal/api/, key scope read:cases) and the
webhooks (services/webhooks/events.py) show the same fields, documented in the OpenAPI
document (schema Case). No free text the customer wrote leaves this way."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Case, Sale

MAX_PER_PAGE = 100
MAX_CASE_ID = 2**31 - 1  # a larger id is no case (and no integer column holds it)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def case_data(case: Case) -> dict:
    return {
        "id": case.id,
        "status": case.status,
        "severity": case.severity,
        "source": case.source,
        "order_ref": case.sale.order_ref if case.sale else None,
        "customer_email": case.customer.email if case.customer else None,
        "assigned_rep_email": case.assigned_rep.email if case.assigned_rep else None,
        "opened_at": iso(case.created_at),
        "contact_wanted": case.contact_wanted is not False,
        "first_contact_due": iso(case.first_contact_due),
        "first_contact_at": iso(case.first_contact_at),
        "resolve_due": iso(case.resolve_due),
        "resolved_at": iso(case.resolved_at),
        "closed_at": iso(case.closed_at),
        "outcome": case.outcome,
        "reopen_count": case.reopen_count or 0,
    }


def find_cases(
    order_ref: str | None, status: str | None, page: int, per_page: int
) -> tuple[list[Case], int]:
    """One page of cases, newest first, of the order `order_ref` (exact) and/or `status`;
    and how many match in all."""
    query = sa.select(Case)
    if order_ref is not None:
        query = query.join(Sale, Case.sale_id == Sale.id).where(Sale.order_ref == order_ref)
    if status is not None:
        query = query.where(Case.status == status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(
            joinedload(Case.sale), joinedload(Case.customer), joinedload(Case.assigned_rep)
        )
        .order_by(Case.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return list(rows), total


def get_case(case_id: int) -> Case | None:
    if not 0 < case_id <= MAX_CASE_ID:
        return None
    return db.session.get(Case, case_id)
