"""Which customers are due a personal check-in, and why (the rules: models/checkin.py,
edited on the admin page, services/checkins/rules.py).

Each rule turns a moment into a due date: a large sale, a resolved complaint, a detractor's
answer that opened no case, a key customer's last purchase. A check-in with the customer after
that moment settles it. A customer due for several reasons is listed once, with all of
them, under the rep of the earliest: who made the sale, who had the case, who sold to them last.
While that rep is away, the check-in is listed for their stand-in too ("covering for ...",
services/checkins/cover.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Checkin, Customer, Sale, SurveyInvitation, SurveyResponse, User
from portal.models.case import NOT_A_COMPLAINT
from portal.money import format_money
from portal.services.cases import joining
from portal.services.checkins.cover import holder_of
from portal.services.checkins.customers import visible_rep_ids_query
from portal.services.checkins.rules import LABELS, active_rules

# Due for longer than this: overdue (red on the list, counted in the weekly digest).
OVERDUE_AFTER = timedelta(days=7)
# A check-in prompted by one event that nobody did this long after it was due is dropped from
# the list: a call about a sale of last spring is no longer personal. Key customers stay.
FORGET_AFTER = timedelta(days=60)
RESOLVED = ("resolved", "closed")


@dataclass(frozen=True)
class Reason:
    kind: str
    since: datetime  # the moment the rule counts from
    due_at: datetime
    detail: str
    rep_id: int | None

    @property
    def label(self) -> str:
        return LABELS[self.kind]


@dataclass
class DueCheckin:
    customer: Customer
    rep: User | None
    reasons: list[Reason] = field(default_factory=list)
    # While `rep` is away: who does their check-ins instead (None: the rep is here, or nobody
    # stands in for them).
    covered_by: User | None = None

    @property
    def due_at(self) -> datetime:
        return min(r.due_at for r in self.reasons)

    def is_overdue(self, now: datetime) -> bool:
        return self.due_at < now - OVERDUE_AFTER


def due_checkins(user: User, now: datetime) -> list[DueCheckin]:
    """The check-ins due for the customers `user` looks after: a rep their own, a manager their
    teams', an admin everyone's (also customers with no rep); and those of away colleagues
    `user` stands in for. Most overdue first."""
    reps = None if user.is_admin else set(db.session.scalars(visible_rep_ids_query(user, now)))
    items = due_for_reps(reps, now)
    holders: dict[int, User | None] = {}
    for item in items:
        rep = item.rep
        if rep is not None and rep.is_away(now):
            if rep.id not in holders:
                holders[rep.id] = holder_of(rep, now)
            item.covered_by = holders[rep.id]
    return items


def due_for_reps(rep_ids: set[int] | None, now: datetime) -> list[DueCheckin]:
    """The check-ins due whose rep is one of `rep_ids` (None: all)."""
    rules = active_rules()
    reasons: list[tuple[int, Reason]] = []
    for kind, finder in FINDERS.items():
        if kind in rules:
            reasons += finder(rules[kind], now, rep_ids)
    if not reasons:
        return []
    last = _last_checkins({customer_id for customer_id, _ in reasons})
    by_customer: dict[int, list[Reason]] = defaultdict(list)
    for customer_id, reason in reasons:
        done = last.get(customer_id)
        if done is None or done <= reason.since:  # settled by a check-in after it
            by_customer[customer_id].append(reason)
    customers = _load(Customer, by_customer)
    owners = {r.rep_id for rs in by_customer.values() for r in rs if r.rep_id is not None}
    users = _load(User, owners)
    items = []
    for customer_id, found in by_customer.items():
        found.sort(key=lambda r: r.due_at)
        items.append(DueCheckin(customers[customer_id], users.get(found[0].rep_id), found))
    items.sort(key=lambda item: (item.due_at, item.customer.name))
    return items


def overdue_count(rep_ids: set[int], now: datetime) -> int:
    return sum(item.is_overdue(now) for item in due_for_reps(rep_ids, now))


# --- one finder per rule: (customer id, reason) for every moment the rule counts from --------
def _window(column, rule, now):
    """Due (moment + days <= now), and not forgotten yet."""
    latest = now - timedelta(days=rule.days)
    return sa.and_(column <= latest, column > latest - FORGET_AFTER)


def _of_reps(column, rep_ids):
    return sa.true() if rep_ids is None else column.in_(sorted(rep_ids))


def _large_sales(rule, now, rep_ids):
    rows = db.session.execute(
        sa.select(Sale.customer_id, Sale.rep_id, Sale.sold_at, Sale.amount, Sale.currency)
        .add_columns(Sale.product)
        .where(
            rule.amount_at_least(Sale.amount, Sale.currency),
            _window(Sale.sold_at, rule, now),
            _of_reps(Sale.rep_id, rep_ids),
        )
    )
    return [
        (
            r.customer_id,
            Reason(
                "large_sale",
                r.sold_at,
                r.sold_at + timedelta(days=rule.days),
                f"{r.product}: {format_money(r.amount, r.currency)}, sold {r.sold_at:%Y-%m-%d}",
                r.rep_id,
            ),
        )
        for r in rows
    ]


def _resolutions(rule, now, rep_ids):
    rows = db.session.execute(
        sa.select(Case.id, Case.customer_id, Case.assigned_rep_id, Case.resolved_at).where(
            Case.status.in_(RESOLVED),
            sa.or_(Case.outcome.is_(None), Case.outcome != NOT_A_COMPLAINT),
            _window(Case.resolved_at, rule, now),
            _of_reps(Case.assigned_rep_id, rep_ids),
        )
    )
    return [
        (
            r.customer_id,
            Reason(
                "after_resolution",
                r.resolved_at,
                r.resolved_at + timedelta(days=rule.days),
                f"case #{r.id} resolved {r.resolved_at:%Y-%m-%d}",
                r.assigned_rep_id,
            ),
        )
        for r in rows
    ]


def _detractors(rule, now, rep_ids):
    has_case = joining.response_in_a_case()  # opened a case or was added to one
    rows = db.session.execute(
        sa.select(Sale.customer_id, Sale.rep_id, SurveyResponse.submitted_at)
        .add_columns(SurveyResponse.recommend)
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .where(
            SurveyInvitation.kind == "post_sale",
            SurveyResponse.recommend <= 6,
            ~has_case,
            _window(SurveyResponse.submitted_at, rule, now),
            _of_reps(Sale.rep_id, rep_ids),
        )
    )
    return [
        (
            r.customer_id,
            Reason(
                "detractor",
                r.submitted_at,
                r.submitted_at + timedelta(days=rule.days),
                f"would recommend us {r.recommend}/10 ({r.submitted_at:%Y-%m-%d}), no case",
                r.rep_id,
            ),
        )
        for r in rows
    ]


def _silent_key_customers(rule, now, rep_ids):
    """Customers who bought at least the amount in one currency in all, whose last purchase
    and last check-in are both more than `days` ago."""
    key = (
        sa.select(Sale.customer_id)
        .group_by(Sale.customer_id, Sale.currency)
        .having(rule.amount_at_least(sa.func.sum(Sale.amount), Sale.currency))
    )
    latest = (
        sa.select(Sale.customer_id, sa.func.max(Sale.sold_at).label("last"))
        .where(Sale.customer_id.in_(key))
        .group_by(Sale.customer_id)
        .having(sa.func.max(Sale.sold_at) <= now - timedelta(days=rule.days))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Sale.customer_id, Sale.rep_id, Sale.sold_at).join(
            latest, sa.and_(Sale.customer_id == latest.c.customer_id, Sale.sold_at == latest.c.last)
        )
    ).all()
    last = _last_checkins({r.customer_id for r in rows})
    found, seen = [], set()
    for r in rows:
        if r.customer_id in seen or (rep_ids is not None and r.rep_id not in rep_ids):
            continue
        seen.add(r.customer_id)
        since = max(r.sold_at, last.get(r.customer_id, r.sold_at))
        if since + timedelta(days=rule.days) > now:
            continue  # checked in with lately: not due yet
        days = (now - r.sold_at).days
        reason = Reason(
            "silent_key_customer",
            since,
            since + timedelta(days=rule.days),
            f"no purchase for {days} days (last {r.sold_at:%Y-%m-%d})",
            r.rep_id,
        )
        found.append((r.customer_id, reason))
    return found


FINDERS = {
    "large_sale": _large_sales,
    "after_resolution": _resolutions,
    "detractor": _detractors,
    "silent_key_customer": _silent_key_customers,
}


def _last_checkins(customer_ids: set[int]) -> dict[int, datetime]:
    found: dict[int, datetime] = {}
    ids = sorted(customer_ids)
    for i in range(0, len(ids), 1000):
        rows = db.session.execute(
            sa.select(Checkin.customer_id, sa.func.max(Checkin.at))
            .where(Checkin.customer_id.in_(ids[i : i + 1000]))
            .group_by(Checkin.customer_id)
        )
        found.update({customer_id: at for customer_id, at in rows})
    return found


def _load(model, ids) -> dict:
    ids = sorted(ids)
    found = {}
    for i in range(0, len(ids), 1000):
        found.update(
            {
                row.id: row
                for row in db.session.scalars(
                    sa.select(model).where(model.id.in_(ids[i : i + 1000]))
                )
            }
        )
    return found
