"""Who may see a customer, and recording a check-in on their timeline.

A customer belongs to the reps who sold to them or were given their case: that rep sees them,
the rep's manager sees them, admins see everyone (the same reach as cases in scope.py). While a
rep is away, whoever stands in for them sees their customers too (services/checkins/cover.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Checkin, Customer, User, utcnow
from portal.models.checkin import CHANNELS, CHECKIN_RULE_KINDS
from portal.models.sale import Sale
from portal.services.checkins.cover import covered_reps, covering_for_customer
from portal.services.rules import RuleError
from portal.services.scope import visible_reps_query

MAX_NOTE = 2000
CHANNEL_LABELS = {"call": "Call", "email": "Email", "meeting": "Meeting", "note": "Note"}


def visible_rep_ids_query(user: User, now: datetime) -> sa.Select:
    """Ids of the reps whose customers `user` sees (a manager's or admin's own sales too, and
    those of the away colleagues they stand in for at `now`)."""
    reps = visible_reps_query(user).with_only_columns(User.id)
    covered = [rep.id for rep in covered_reps(user, now)]
    return sa.union(reps, sa.select(User.id).where(User.id.in_([user.id, *covered])))


def may_see_customer(user: User, customer: Customer, now: datetime | None = None) -> bool:
    if user.is_admin:
        return True
    reps = visible_rep_ids_query(user, now or utcnow())
    sold = sa.select(Sale.id).where(Sale.customer_id == customer.id, Sale.rep_id.in_(reps))
    cased = sa.select(Case.id).where(
        Case.customer_id == customer.id, Case.assigned_rep_id.in_(reps)
    )
    return bool(db.session.scalar(sa.select(sa.or_(sa.exists(sold), sa.exists(cased)))))


def customer_for(user: User, customer_id: int) -> Customer | None:
    """The customer, if `user` may see them; None otherwise (the page answers 404)."""
    customer = db.session.get(Customer, customer_id)
    if customer is None or not may_see_customer(user, customer):
        return None
    return customer


def record_checkin(
    user: User,
    customer: Customer,
    channel: str,
    note: str | None,
    now: datetime,
    reason: str | None = None,
) -> Checkin:
    """The user checked in with the customer: stored on the customer's timeline, with the away
    rep they did it for when they stand in (services/checkins/cover.py)."""
    if channel not in CHANNELS:
        raise RuleError("Choose how you got in touch: call, email, meeting or note.", "channel")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise RuleError(f"Keep the note under {MAX_NOTE} characters ({len(note)} now).", "note")
    if channel == "note" and not note:
        raise RuleError("A note needs some text: what did you learn?", "note")
    checkin = Checkin(
        customer_id=customer.id,
        rep_id=user.id,
        covering_for=covering_for_customer(user, customer, now),
        reason=reason if reason in CHECKIN_RULE_KINDS else None,
        channel=channel,
        note=note,
        at=now,
    )
    db.session.add(checkin)
    db.session.commit()
    return checkin
