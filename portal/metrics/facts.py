"""Load the facts behind one period's metrics from the database (see definitions.Facts).

Sales, survey answers and sent surveys are loaded by their own moment in the period; cases
by any of their moments in it (opened, first contacted, resolved, a deadline). Sales and
answers belong to the rep who made the sale; a case's complaint and satisfaction to the seller
too, its times to whoever held it then (portal/metrics/holders.py, holders.for_subject).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.business_time import working_minutes_between
from portal.metrics.definitions import (
    RETURN_WINDOW,
    CaseFact,
    CheckinFact,
    Facts,
    InvitationFact,
    ResponseFact,
    SaleFact,
    decision_moment,
)
from portal.metrics.holders import (
    HOLDER_KINDS,
    for_subject,
    holder_at,
    holder_changes,
    holding_periods,
    split_window,
)
from portal.metrics.paused_time import ended_pauses, resolution_hours_without_pauses
from portal.metrics.periods import Period
from portal.models import (
    Case,
    CaseEvent,
    Checkin,
    Sale,
    SlaPolicy,
    SurveyInvitation,
    SurveyResponse,
    Team,
    User,
)
from portal.models.case import NOT_A_COMPLAINT
from portal.models.sla import DEFAULT_SLA_POLICIES
from portal.services.sla.calendar import Calendar, calendar_for_team

CHUNK = 2000  # ids per IN (...) list
MANY_CUSTOMERS = 20_000
RESOLVED_STATUSES = ("resolved", "closed")


class Calendars:
    """Per-run cache: each rep's team calendar and whether a severity counts business hours."""

    def __init__(self):
        # The calendar that counts a case's deadlines (services/sla/deadlines.py): the rep's
        # team's, and for a rep in no team the default with everyone's holidays.
        teams = {t.id: calendar_for_team(t) for t in db.session.scalars(sa.select(Team))}
        self.no_team = calendar_for_team(None)
        self.rep_calendar: dict[int, Calendar] = {
            rep_id: teams[team_id]
            for rep_id, team_id in db.session.execute(
                sa.select(User.id, User.team_id).where(User.team_id.is_not(None))
            )
        }
        self.business = {severity: business for severity, _, _, business in DEFAULT_SLA_POLICIES}
        for policy in db.session.scalars(sa.select(SlaPolicy)):
            self.business[policy.severity] = policy.business_hours

    def hours(self, rep_id, severity: str, start: datetime, end: datetime | None):
        if end is None:
            return None
        calendar = self.rep_calendar.get(rep_id, self.no_team)
        # As the deadlines count (services/sla/deadlines.py counts_business_hours): the clock
        # runs day and night only for a wall-clock policy in a team that works round the clock.
        if not self.business.get(severity, True) and calendar.round_the_clock:
            return max((end - start).total_seconds(), 0) / 3600
        return working_minutes_between(start, end, calendar) / 60


def load_facts(
    period: Period,
    now: datetime,
    rep_ids: Iterable[int] | None = None,
    calendars: Calendars | None = None,
) -> Facts:
    """The facts of `period` for these reps (None: all, with unassigned cases too)."""
    reps = None if rep_ids is None else sorted(set(rep_ids))
    calendars = calendars or Calendars()
    start, end = period.starts_at, period.ends_at
    return Facts(
        period,
        now,
        sales=_sales(start, end, reps),
        invitations=_invitations(start, end, reps),
        responses=_responses(start, end, reps),
        cases=_cases(start, end, reps, calendars),
        checkins=_checkins(start, end, reps),
    )


def _moved_cases() -> sa.Select:
    """Ids of cases that changed holder at least once (more than the opening's event)."""
    return (
        sa.select(CaseEvent.case_id)
        .where(CaseEvent.kind.in_(HOLDER_KINDS))
        .group_by(CaseEvent.case_id)
        .having(sa.func.count() > 1)
    )


def _rep_filter(column, reps):
    return sa.true() if reps is None else column.in_(reps)


def purchases_by_customer(customer_ids: set[int], since: datetime, until: datetime):
    """Each customer's purchase moments in (since, until], sorted.

    A few customers: looked up by customer (index on customer, sold_at). Many (a busy
    quarter): one pass over the sales of the window is cheaper than thousands of lookups.
    """
    found: dict[int, list[datetime]] = defaultdict(list)
    window = sa.and_(Sale.sold_at > since, Sale.sold_at <= until)
    if len(customer_ids) > MANY_CUSTOMERS:
        rows = db.session.execute(sa.select(Sale.customer_id, Sale.sold_at).where(window))
        for customer_id, sold_at in rows:
            if customer_id in customer_ids:
                found[customer_id].append(sold_at)
    ids = sorted(customer_ids) if len(customer_ids) <= MANY_CUSTOMERS else []
    for i in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            sa.select(Sale.customer_id, Sale.sold_at).where(
                Sale.customer_id.in_(ids[i : i + CHUNK]), window
            )
        )
        for customer_id, sold_at in rows:
            found[customer_id].append(sold_at)
    for moments in found.values():
        moments.sort()
    return found


def _sales(start, end, reps) -> list[SaleFact]:
    rows = db.session.execute(
        sa.select(
            Sale.id, Sale.rep_id, Sale.customer_id, Sale.sold_at, Sale.amount, Sale.currency
        ).where(Sale.sold_at >= start, Sale.sold_at < end, _rep_filter(Sale.rep_id, reps))
    ).all()
    later = purchases_by_customer({r.customer_id for r in rows}, start, end + RETURN_WINDOW)
    facts = []
    for r in rows:
        purchases = later.get(r.customer_id, ())
        after = purchases[bisect_right(purchases, r.sold_at) :]
        facts.append(
            SaleFact(
                r.id,
                r.rep_id,
                r.customer_id,
                r.sold_at,
                int(r.amount * 100),
                r.currency,
                next_purchase_at=after[0] if after else None,
            )
        )
    return facts


def sales_by_customer(customer_ids: set[int], since: datetime, until: datetime):
    """Each customer's purchases in (since, until] as (sold at, currency, cents), sorted."""
    found: dict[int, list[tuple[datetime, str, int]]] = defaultdict(list)
    ids = sorted(customer_ids)
    for i in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            sa.select(Sale.customer_id, Sale.sold_at, Sale.currency, Sale.amount).where(
                Sale.customer_id.in_(ids[i : i + CHUNK]),
                Sale.sold_at > since,
                Sale.sold_at <= until,
            )
        )
        for customer_id, sold_at, currency, amount in rows:
            found[customer_id].append((sold_at, currency, int(amount * 100)))
    for rows in found.values():
        rows.sort()
    return found


def _checkins(start, end, reps) -> list[CheckinFact]:
    rows = db.session.execute(
        sa.select(Checkin.id, Checkin.rep_id, Checkin.customer_id, Checkin.at).where(
            Checkin.at >= start, Checkin.at < end, _rep_filter(Checkin.rep_id, reps)
        )
    ).all()
    later = purchases_by_customer({r.customer_id for r in rows}, start, end + RETURN_WINDOW)
    return [
        CheckinFact(
            r.id,
            r.rep_id,
            r.customer_id,
            r.at,
            purchases_after=tuple(m for m in later.get(r.customer_id, ()) if m > r.at),
        )
        for r in rows
    ]


def _invitations(start, end, reps) -> list[InvitationFact]:
    rows = db.session.execute(
        sa.select(SurveyInvitation.id, Sale.rep_id, SurveyInvitation.sent_at, SurveyResponse.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(
            SurveyInvitation.kind == "post_sale",
            SurveyInvitation.sent_at >= start,
            SurveyInvitation.sent_at < end,
            _rep_filter(Sale.rep_id, reps),
        )
    )
    return [InvitationFact(i, rep, sent, answer is not None) for i, rep, sent, answer in rows]


def responses_query(start, end) -> sa.Select:
    """Post-sale survey answers submitted in [start, end), as ResponseFact's fields (the
    per-period computation and the bulk rebuild, bulk_counts.py, read the same rows)."""
    return (
        sa.select(
            SurveyResponse.id,
            Sale.rep_id,
            SurveyResponse.submitted_at,
            SurveyResponse.satisfaction,
            SurveyResponse.recommend,
        )
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .where(
            SurveyInvitation.kind == "post_sale",
            SurveyResponse.submitted_at >= start,
            SurveyResponse.submitted_at < end,
        )
    )


def _responses(start, end, reps) -> list[ResponseFact]:
    rows = db.session.execute(responses_query(start, end).where(_rep_filter(Sale.rep_id, reps)))
    return [ResponseFact(*row) for row in rows]


def case_rows_query(start, end, reps=None) -> sa.Select:
    """Cases with any moment that a metric counts inside [start, end). A case closed as
    "not a complaint" (its label corrected by staff) is no complaint: no figure counts it."""

    def within(column):
        return sa.and_(column >= start, column < end)

    touched = sa.or_(
        within(Case.created_at),
        within(Case.first_contact_at),
        within(Case.resolved_at),
        within(Case.first_contact_due),
        within(Case.resolve_due),
    )
    complaint = sa.or_(Case.outcome.is_(None), Case.outcome != NOT_A_COMPLAINT)
    query = sa.select(Case).outerjoin(Sale, Sale.id == Case.sale_id).where(touched, complaint)
    if reps is None:
        return query
    # Their cases: held now, about their sale, or held by them before a move (the facts
    # keep only the cases they sold or held: definitions.for_subject).
    return query.where(
        sa.or_(
            Case.assigned_rep_id.in_(reps),
            Sale.rep_id.in_(reps),
            Case.id.in_(_moved_cases()),
        )
    )


# The columns case_facts reads; the bulk rebuild (bulk.py) reads the same.
CASE_COLUMNS = (
    Case.id,
    Case.assigned_rep_id,
    Case.customer_id,
    Case.status,
    Case.severity,
    Case.created_at,
    Case.first_contact_at,
    Case.first_contact_due,
    Case.contact_wanted,
    Case.resolved_at,
    Case.resolve_due,
    Case.reopen_count,
    Case.satisfaction_before,
    Case.satisfaction_after,
    Sale.rep_id.label("seller_id"),
)


def _cases(start, end, reps, calendars: Calendars) -> list[CaseFact]:
    query = case_rows_query(start, end, reps).with_only_columns(*CASE_COLUMNS)
    facts = case_facts(db.session.execute(query).all(), calendars)
    if reps is None:
        return facts
    return [c for c in (for_subject(fact, set(reps)) for fact in facts) if c is not None]


def case_facts(rows, calendars: Calendars, after_resolution=None) -> list[CaseFact]:
    """CaseFacts from rows with the columns of `_cases` (or Case objects).

    `after_resolution`: the customers' purchases and sales after their resolutions, as
    (purchases_by_customer, sales_by_customer) give them, when the caller has them (the
    rebuild: only each resolution's 90 days, bulk.py); looked up here otherwise."""
    resolved_rows = [r for r in rows if r.status in RESOLVED_STATUSES and r.resolved_at]
    purchases, amounts = after_resolution or ({}, {})
    if resolved_rows and after_resolution is None:
        window = (
            {r.customer_id for r in resolved_rows},
            min(r.resolved_at for r in resolved_rows),
            max(r.resolved_at for r in resolved_rows) + RETURN_WINDOW,
        )
        purchases, amounts = purchases_by_customer(*window), sales_by_customer(*window)
    changes = holder_changes([r.id for r in rows])
    pauses = ended_pauses([r.id for r in resolved_rows])  # waits for the customer
    facts = []
    for r in rows:
        rep_id = getattr(r, "assigned_rep_id", None)
        resolved_at = r.resolved_at if r.status in RESOLVED_STATUSES else None
        # The customer did not ask to be contacted: no first-contact figure counts the case
        # (a contact made anyway included), the resolution figures do (docs/metrics.md).
        contact_wanted = getattr(r, "contact_wanted", True) is not False
        first_contact_at = r.first_contact_at if contact_wanted else None
        first_contact = calendars.hours(rep_id, r.severity, r.created_at, first_contact_at)
        holds = holding_periods(r.created_at, rep_id, changes.get(r.id, []))

        def hours(a, b, rep_id=rep_id, severity=r.severity):
            return calendars.hours(rep_id, severity, a, b)

        waits = pauses.get(r.id, ())

        def net_hours(a, b, hours=hours, waits=waits):
            """Hours from a to b less the waits for the customer inside them."""
            inside = [(max(s, a), min(e, b)) for s, e in waits if s < b and e > a]
            return resolution_hours_without_pauses(hours(a, b), inside, b, hours)

        resolution = net_hours(r.created_at, resolved_at) if resolved_at else None
        seller_id = getattr(r, "seller_id", None)
        if seller_id is None:  # no sale (or one without a rep): the first holder's complaint
            seller_id = holds[0].rep_id
        after = tuple(
            m for m in purchases.get(r.customer_id, ()) if resolved_at and m > resolved_at
        )
        facts.append(
            CaseFact(
                id=r.id,
                rep_id=rep_id,
                customer_id=r.customer_id,
                status=r.status,
                created_at=r.created_at,
                first_contact_at=r.first_contact_at,
                first_contact_due=r.first_contact_due,
                contact_wanted=contact_wanted,
                resolved_at=resolved_at,
                resolve_due=r.resolve_due,
                reopen_count=r.reopen_count or 0,
                satisfaction_before=r.satisfaction_before,
                satisfaction_after=r.satisfaction_after,
                first_contact_hours=first_contact,
                resolution_hours=resolution,
                purchases_after=after,
                seller_id=seller_id,
                holder_ids=frozenset(h.rep_id for h in holds if h.rep_id is not None),
                first_contact_split=split_window(holds, r.created_at, first_contact_at, hours),
                resolution_split=split_window(holds, r.created_at, resolved_at, net_hours),
                resolution_holder=holder_at(holds, resolved_at),
                first_contact_decider=holder_at(
                    holds,
                    decision_moment(r.first_contact_at, r.first_contact_due)
                    if contact_wanted
                    else None,
                ),
                resolution_decider=holder_at(holds, decision_moment(resolved_at, r.resolve_due)),
                sales_after=tuple(
                    s for s in amounts.get(r.customer_id, ()) if resolved_at and s[0] > resolved_at
                ),
            )
        )
    return facts
