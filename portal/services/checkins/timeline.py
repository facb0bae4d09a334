"""A customer's timeline: their purchases, survey answers, cases and check-ins, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Checkin, Customer, Sale, SurveyInvitation, SurveyResponse

MAX_ENTRIES = 200


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str  # "sale", "answer", "case", "checkin"
    item: object


def timeline(customer: Customer) -> list[Entry]:
    def rows(query):
        return db.session.scalars(query.limit(MAX_ENTRIES)).all()

    entries = [Entry(s.sold_at, "sale", s) for s in rows(
        sa.select(Sale).where(Sale.customer_id == customer.id).order_by(Sale.sold_at.desc())
    )]  # fmt: skip
    answers = rows(
        sa.select(SurveyResponse)
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(SurveyInvitation.customer_id == customer.id)
        .order_by(SurveyResponse.submitted_at.desc())
    )
    entries += [Entry(a.submitted_at, "answer", a) for a in answers]
    cases = rows(
        sa.select(Case).where(Case.customer_id == customer.id).order_by(Case.created_at.desc())
    )
    entries += [Entry(c.created_at, "case", c) for c in cases]
    checkins = rows(
        sa.select(Checkin).where(Checkin.customer_id == customer.id).order_by(Checkin.at.desc())
    )
    entries += [Entry(c.at, "checkin", c) for c in checkins]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:MAX_ENTRIES]


def purchase_summary(customer: Customer) -> list[tuple[str, int, object]]:
    """(currency, number of purchases, total) per currency."""
    return db.session.execute(
        sa.select(Sale.currency, sa.func.count(Sale.id), sa.func.sum(Sale.amount))
        .where(Sale.customer_id == customer.id)
        .group_by(Sale.currency)
        .order_by(Sale.currency)
    ).all()
