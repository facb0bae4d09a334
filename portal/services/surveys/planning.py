"""Which survey invitations exist and which are due: a post-sale invitation planned for every
recent sale (at a daytime hour in the customer's zone, services/surveys/schedule.py), and the
queries of first sends and reminders that are due now. Sending them is sending.py."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from portal.extensions import db
from portal.models import Customer, Sale, SurveyInvitation
from portal.models.survey_policy import SurveyPolicy
from portal.services.surveys.schedule import LATEST_SURVEY_DAYS_AFTER_DUE, first_send_time, zone


def plan_post_sale_invitations(now: datetime, policy: SurveyPolicy) -> int:
    """Create the post-sale invitation of every recent sale that has none yet."""
    oldest = now - timedelta(days=policy.send_after_days + LATEST_SURVEY_DAYS_AFTER_DUE)
    rows = db.session.execute(
        sa.select(Sale.id, Sale.sold_at, Sale.customer_id, Customer.timezone, Customer.locale)
        .join(Customer, Customer.id == Sale.customer_id)
        .outerjoin(
            SurveyInvitation,
            sa.and_(SurveyInvitation.sale_id == Sale.id, SurveyInvitation.kind == "post_sale"),
        )
        .where(SurveyInvitation.id.is_(None), Sale.sold_at >= oldest)
    ).all()
    if not rows:
        return 0
    values = [
        {
            "kind": "post_sale",
            "sale_id": sale_id,
            "customer_id": customer_id,
            "scheduled_for": first_send_time(sold_at, zone(tz, locale), policy),
            "send_attempts": 0,
            "created_at": now,
        }
        for sale_id, sold_at, customer_id, tz, locale in rows
    ]
    insert = insert_ignoring_duplicates()
    connection = db.session.connection()
    created = 0
    for start in range(0, len(values), 1000):
        created += len(connection.execute(insert, values[start : start + 1000]).all())
    db.session.commit()
    return created


def insert_ignoring_duplicates():
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    # Unique (kind, sale_id): a planner racing another planner inserts nothing twice.
    table = SurveyInvitation.__table__
    return dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)


def open_states():
    return sa.and_(
        SurveyInvitation.failed_at.is_(None),
        SurveyInvitation.skipped_at.is_(None),
        SurveyInvitation.answered_at.is_(None),
    )


def due_first_sends(now: datetime) -> sa.Select:
    return (
        sa.select(SurveyInvitation.id)
        .where(
            SurveyInvitation.sent_at.is_(None),
            SurveyInvitation.scheduled_for <= now,
            open_states(),
        )
        .order_by(SurveyInvitation.scheduled_for, SurveyInvitation.id)
    )


def due_reminders(now: datetime, policy: SurveyPolicy) -> sa.Select:
    return (
        sa.select(SurveyInvitation.id)
        .where(
            SurveyInvitation.sent_at <= now - timedelta(days=policy.reminder_after_days),
            SurveyInvitation.reminded_at.is_(None),
            SurveyInvitation.expires_at > now,
            SurveyInvitation.bounced_at.is_(None),
            SurveyInvitation.scheduled_for <= now,
            open_states(),
        )
        .order_by(SurveyInvitation.sent_at, SurveyInvitation.id)
    )
