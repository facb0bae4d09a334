"""Check-ins while a rep is away: their stand-in does them.

An away rep's cases go to their stand-in (services/cases/cover.py); their customers due a
personal check-in must not wait for their return either, or nobody calls them. So while a rep
is away (`User.is_away`), the customers due a check-in from them are listed for whoever holds
their work: their stand-in, or, if the stand-in is away as well, the stand-in's own stand-in,
and so on (an inactive stand-in, or a ring of absent ones, leaves the check-ins with the rep).
A check-in done that way records who did it and for whom (`Checkin.covering_for_id`). Nothing
is moved or stored to cover: once the rep is back, their check-ins are theirs again.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, Sale, User
from portal.services.cases.cover import away_now


def holder_of(rep: User, now: datetime) -> User | None:
    """Who does `rep`'s check-ins at `now`: the rep while present; while away, the first
    present, active one along their chain of stand-ins; None when there is nobody."""
    seen = {rep.id}
    holder = rep
    while holder.is_away(now):
        stand_in = holder.stand_in
        if stand_in is None or not stand_in.active or stand_in.id in seen:
            return None
        seen.add(stand_in.id)
        holder = stand_in
    return holder


def covered_reps(user: User, now: datetime) -> list[User]:
    """The away colleagues whose check-ins `user` does at `now`, by name."""
    away = db.session.scalars(
        sa.select(User)
        .where(away_now(now), User.stand_in_id.is_not(None), User.id != user.id)
        .order_by(User.name)
    )
    return [rep for rep in away if (holder := holder_of(rep, now)) and holder.id == user.id]


def covering_for_customer(user: User, customer: Customer, now: datetime) -> User | None:
    """The away rep `user` stands in for with this customer, if the customer is that rep's
    (a sale, or a case of theirs) and not `user`'s own; None otherwise."""
    covered = covered_reps(user, now)
    if not covered:
        return None
    sellers = sa.select(Sale.rep_id).where(Sale.customer_id == customer.id)
    case_reps = sa.select(sa.func.coalesce(Case.covering_for_id, Case.assigned_rep_id)).where(
        Case.customer_id == customer.id
    )
    reps_of_customer = set(db.session.scalars(sa.union(sellers, case_reps)))
    if user.id in reps_of_customer:
        return None
    return next((rep for rep in covered if rep.id in reps_of_customer), None)
