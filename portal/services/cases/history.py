"""The customer behind a case, as the case page shows them: every sale, every survey answer,
their other cases (only those the viewer may see: services.scope), and what they have spent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import Case, Sale, SurveyInvitation, SurveyResponse, User
from portal.services.scope import visible_cases_query

HISTORY_LIMIT = 10  # latest rows per list (a long history would bury the case); totals count all


@dataclass(frozen=True)
class CustomerHistory:
    sales: list[Sale]
    sale_count: int
    lifetime_value: list[tuple[str, Decimal]]  # (currency, total), largest first
    answers: list[tuple[SurveyResponse, SurveyInvitation]]
    other_cases: list[Case]


def customer_history(case: Case, viewer: User) -> CustomerHistory:
    customer_id = case.customer_id
    sales = list(
        db.session.scalars(
            sa.select(Sale)
            .where(Sale.customer_id == customer_id)
            .options(joinedload(Sale.rep))
            .order_by(Sale.sold_at.desc(), Sale.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    if case.sale is not None and case.sale not in sales:
        sales.append(case.sale)  # the sale complained about, however old
    totals = db.session.execute(
        sa.select(Sale.currency, sa.func.sum(Sale.amount), sa.func.count(Sale.id))
        .where(Sale.customer_id == customer_id)
        .group_by(Sale.currency)
    ).all()
    values: dict[str, Decimal] = defaultdict(Decimal)
    for currency, total, _ in totals:
        values[currency] += Decimal(total or 0)
    answers = db.session.execute(
        sa.select(SurveyResponse, SurveyInvitation)
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(SurveyInvitation.customer_id == customer_id)
        .options(joinedload(SurveyInvitation.sale))
        .order_by(SurveyResponse.submitted_at.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    other_cases = list(
        db.session.scalars(
            visible_cases_query(viewer)
            .where(Case.customer_id == customer_id, Case.id != case.id)
            .options(joinedload(Case.sale), joinedload(Case.assigned_rep))
            .order_by(Case.created_at.desc(), Case.id.desc())
            .limit(HISTORY_LIMIT)
        )
    )
    return CustomerHistory(
        sales=sales,
        sale_count=sum(count for _, _, count in totals),
        lifetime_value=sorted(values.items(), key=lambda item: -item[1]),
        answers=[tuple(row) for row in answers],
        other_cases=other_cases,
    )
