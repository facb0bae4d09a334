"""Small helpers for the rep-workspace tests: cases put straight into the database (the
triage tests open them the real way, through the survey page and the job), and forms sent
the way a browser sends them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import count

import sqlalchemy as sa

from portal.extensions import db
from portal.models import (
    Case,
    CaseEvent,
    Customer,
    Sale,
    SurveyInvitation,
    SurveyResponse,
    User,
    utcnow,
)

from ..conftest import csrf_from

_numbers = count(1)


def make_case(
    rep: User | None,
    *,
    customer: Customer | None = None,
    customer_name: str | None = None,
    severity: str = "normal",
    status: str = "open",
    opened: datetime | None = None,
    first_contact_due: datetime | None = None,
    resolve_due: datetime | None = None,
    subject: str | None = None,
    rating: int | None = 1,
    **fields,
) -> Case:
    """A case as triage leaves it: a customer, their sale by `rep`, the survey answer that
    opened it (none if `rating` is None), deadlines, one event."""
    n = next(_numbers)
    now = utcnow()
    opened = opened or now - timedelta(hours=1)
    if customer is None:
        name = customer_name or f"Customer {n}"
        slug = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".")
        customer = Customer(email=f"{slug}.{n}@example.org", name=name)
    sale = Sale(
        order_ref=f"ORD-{n:06d}",
        customer=customer,
        rep=rep,
        amount=Decimal("1250.00"),
        currency="SEK",
        product=fields.pop("product", "Office chair"),
        sold_at=opened - timedelta(days=5),
    )
    description = fields.pop("description", "The chair broke after two days.")
    answer = None
    if rating is not None:
        invitation = SurveyInvitation(
            kind="post_sale",
            customer=customer,
            sale=sale,
            scheduled_for=opened - timedelta(days=1),
            sent_at=opened - timedelta(days=1),
        )
        answer = SurveyResponse(
            invitation=invitation,
            satisfaction=rating,
            comment=description,
            submitted_at=opened,
            sentiment_label="negative",
            sentiment_polarity=-0.8,
            sentiment_reasons=["'broke' is a negative cue"],
            analysed_at=opened,
        )
        db.session.add(answer)
        db.session.flush()
    case = Case(
        source=fields.pop("source", "survey" if answer else "staff"),
        response_id=answer.id if answer else None,
        satisfaction_before=rating,
        customer=customer,
        sale=sale,
        assigned_rep=rep,
        status=status,
        severity=severity,
        subject=subject,
        description=description,
        first_contact_due=first_contact_due or opened + timedelta(hours=4),
        resolve_due=resolve_due or opened + timedelta(days=3),
        created_at=opened,
        **fields,
    )
    db.session.add(case)
    db.session.flush()
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind="opened",
            message="Case opened from a survey answer.",
            created_at=opened,
        )
    )
    db.session.commit()
    return case


def reload(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def events(case: Case, kind: str | None = None) -> list[CaseEvent]:
    query = sa.select(CaseEvent).where(CaseEvent.case_id == case.id)
    if kind:
        query = query.where(CaseEvent.kind == kind)
    return list(db.session.scalars(query.order_by(CaseEvent.id)))


def hidden_fields(html: str, prefix: str) -> dict:
    """The hidden inputs of a prefixed form on the page (the case version, the last event)."""
    pattern = rf'id="{prefix}-(version|seen)" name="{prefix}-\1" type="hidden" value="([^"]*)"'
    return {f"{prefix}-{name}": value for name, value in re.findall(pattern, html)}


def send_case_form(client, case_id: int, action: str, prefix: str, data: dict, html=None):
    """Open the case page (or use the `html` a person had open), fill one of its forms and
    send it, as a browser does: CSRF token and hidden fields from that page."""
    html = html if html is not None else client.get(f"/cases/{case_id}").get_data(as_text=True)
    fields = {f"{prefix}-{name}": value for name, value in data.items()}
    return client.post(
        f"/cases/{case_id}/{action}",
        data={f"{prefix}-csrf_token": csrf_from(html), **hidden_fields(html, prefix), **fields},
    )


def answer_changed(case: Case) -> CaseEvent:
    """The customer changed the survey answer behind the case (what the analysis job writes,
    services/cases/answer_changes.py): 1/5 to 5/5."""
    event = CaseEvent(
        case_id=case.id,
        actor_kind="customer",
        kind="answer_changed",
        message="The customer changed their survey answer.",
        data={
            "old": {"satisfaction": 1, "comment": case.description},
            "new": {"satisfaction": 5, "comment": "All fine now."},
        },
        created_at=utcnow(),
    )
    db.session.add(event)
    db.session.commit()
    return event
