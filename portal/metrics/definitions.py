"""Every performance metric of the portal, each defined once (docs/metrics.md explains them).

The functions here are pure: they take the facts of one subject (a rep, a team, everyone) and
one period, as loaded by `portal.metrics.facts`, and return figures. The rollup, the
dashboard's drill-down, the exports and the tests all go through them, so a figure always
means the same thing. Shares are fractions (0.9 = 90%); times are hours; a metric with nothing
to count is None (shown as a dash), never 0.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from portal.metrics.periods import Period

RETURN_WINDOW = timedelta(days=90)  # "bought again" means within 90 days
CSAT_SATISFIED = (4, 5)
PROMOTER_MIN, DETRACTOR_MAX = 9, 6


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    unit: str  # "count", "share", "score", "nps", "hours", "per100", "change", "money"
    higher_is_better: bool | None  # None: neither (volumes); not offered as a goal
    doc: str


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("sales_count", "Sales", "count", True, "sales made in the period"),
        Metric("revenue", "Revenue", "money", None, "sum of sale amounts, per currency"),
        Metric("surveys_sent", "Surveys sent", "count", None, "post-sale surveys sent"),
        Metric("response_rate", "Survey response rate", "share", True, "answered / sent"),
        Metric("satisfaction_avg", "Satisfaction (avg)", "score", True, "average 1-5"),
        Metric("csat", "CSAT", "share", True, "share of answers rating 4 or 5"),
        Metric("nps", "NPS", "nps", True, "% promoters (9-10) - % detractors (0-6)"),
        Metric("cases_opened", "Complaints", "count", None, "cases opened in the period"),
        Metric("complaints_per_100_sales", "Complaints per 100 sales", "per100", False, ""),
        Metric("first_contact_median_hours", "First contact, median", "hours", False, ""),
        Metric("first_contact_p90_hours", "First contact, p90", "hours", False, ""),
        Metric("resolution_median_hours", "Resolution, median", "hours", False, ""),
        Metric("resolution_p90_hours", "Resolution, p90", "hours", False, ""),
        Metric("first_contact_within_sla", "First contact on time", "share", True, ""),
        Metric("resolution_within_sla", "Resolved on time", "share", True, ""),
        Metric("cases_resolved", "Cases resolved", "count", None, ""),
        Metric("reopen_rate", "Reopened", "share", False, "resolved cases reopened at least once"),
        Metric("resolution_satisfaction", "Satisfaction after resolution", "score", True, ""),
        Metric("satisfaction_change", "Satisfaction change", "change", True, "after - before"),
        Metric("recovery_rate", "Recovery rate", "share", True, "bought again within 90 days"),
        Metric("repeat_purchase_rate", "Repeat purchases", "share", True, "within 90 days"),
        Metric("revenue_per_customer", "Revenue per customer", "money", None, "per currency"),
        Metric("checkins_done", "Check-ins", "count", None, "personal check-ins recorded"),
        Metric(
            "repeat_after_checkin_rate",
            "Bought again after a check-in",
            "share",
            True,
            "customers checked in with who bought within 90 days",
        ),
        Metric(
            "recovery_revenue",
            "Recovery revenue",
            "money",
            None,
            "sales within 90 days after a resolved complaint",
        ),
    )
}
GOAL_METRICS = {name: m for name, m in METRICS.items() if m.higher_is_better is not None}


# --- facts: one row per thing counted, loaded by portal.metrics.facts ------------------------
@dataclass(frozen=True)
class SaleFact:
    id: int
    rep_id: int | None
    customer_id: int
    sold_at: datetime
    amount_cents: int
    currency: str
    # The customer's next purchase (from anyone) after this one, if any.
    next_purchase_at: datetime | None = None


@dataclass(frozen=True)
class InvitationFact:  # a post-sale survey that was sent
    id: int
    rep_id: int | None
    sent_at: datetime
    answered: bool


@dataclass(frozen=True)
class ResponseFact:  # a post-sale survey answer
    id: int
    rep_id: int | None
    submitted_at: datetime
    satisfaction: int | None
    recommend: int | None


@dataclass(frozen=True)
class CaseFact:
    id: int
    rep_id: int | None
    customer_id: int
    status: str
    created_at: datetime
    first_contact_at: datetime | None
    first_contact_due: datetime | None
    resolved_at: datetime | None  # None unless the case is resolved or closed now
    resolve_due: datetime | None
    reopen_count: int
    satisfaction_before: int | None
    satisfaction_after: int | None
    # Hours from opening to first contact / to the (final) resolution: business hours of the
    # team calendar when the case's SLA policy counts business hours, else clock hours.
    first_contact_hours: float | None
    resolution_hours: float | None
    # The customer's purchases after the resolution (sorted), for the recovery rate.
    purchases_after: tuple[datetime, ...] = ()
    # The same purchases with their amounts (sold at, currency, cents), for recovery revenue.
    sales_after: tuple[tuple[datetime, str, int], ...] = ()


@dataclass(frozen=True)
class CheckinFact:  # a personal check-in with a customer (models/checkin.py)
    id: int
    rep_id: int | None
    customer_id: int
    at: datetime
    # The customer's purchases after the check-in (sorted), for "bought again after".
    purchases_after: tuple[datetime, ...] = ()


@dataclass
class Facts:
    """Everything one period's figures are computed from, for any number of subjects."""

    period: Period
    now: datetime
    sales: list[SaleFact]
    invitations: list[InvitationFact]
    responses: list[ResponseFact]
    cases: list[CaseFact]
    checkins: list[CheckinFact] = field(default_factory=list)

    def only(self, rep_ids: set[int] | None) -> Facts:
        """The facts of these reps (None: everyone, including unassigned cases)."""
        if rep_ids is None:
            return self

        def keep(rows):
            return [r for r in rows if r.rep_id in rep_ids]

        return Facts(
            self.period,
            self.now,
            keep(self.sales),
            keep(self.invitations),
            keep(self.responses),
            keep(self.cases),
            keep(self.checkins),
        )


# --- small statistics ------------------------------------------------------------------------
def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def percentile(values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default): p=0.5 is the median."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * p
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def bought_within(purchases: tuple[datetime, ...] | list[datetime], after: datetime) -> bool:
    """A purchase in (after, after + 90 days]. `purchases` is sorted."""
    i = bisect_right(purchases, after)
    return i < len(purchases) and purchases[i] <= after + RETURN_WINDOW


# --- which cases each case metric counts (also what a drill-down lists) ----------------------
def opened_in(case: CaseFact, period: Period) -> bool:
    return period.contains(case.created_at)


def contacted_in(case: CaseFact, period: Period) -> bool:
    return case.first_contact_hours is not None and period.contains(case.first_contact_at)


def resolved_in(case: CaseFact, period: Period) -> bool:
    return case.resolved_at is not None and period.contains(case.resolved_at)


def _deadline_decided(done_at: datetime | None, due: datetime | None, now: datetime):
    """(decided at, met): met when done by the deadline; missed once the deadline passed."""
    if due is None:
        return None, None
    if done_at is not None and done_at <= due:
        return done_at, True
    if due <= now:
        return due, False
    return None, None


def first_contact_deadline(case: CaseFact, now: datetime):
    return _deadline_decided(case.first_contact_at, case.first_contact_due, now)


def resolution_deadline(case: CaseFact, now: datetime):
    return _deadline_decided(case.resolved_at, case.resolve_due, now)


def decided_in(decision, period: Period) -> bool:
    return decision[0] is not None and period.contains(decision[0])


def recovered(case: CaseFact) -> bool:
    return case.resolved_at is not None and bought_within(case.purchases_after, case.resolved_at)


# --- the figures -----------------------------------------------------------------------------
def compute(facts: Facts) -> dict:
    """Every metric of METRICS for one subject's facts (see docs/metrics.md)."""
    period, now = facts.period, facts.now
    sales = [s for s in facts.sales if period.contains(s.sold_at)]
    revenue: dict[str, int] = defaultdict(int)
    for sale in sales:
        revenue[sale.currency] += sale.amount_cents
    sent = [i for i in facts.invitations if period.contains(i.sent_at)]
    answers = [r for r in facts.responses if period.contains(r.submitted_at)]
    ratings = [r.satisfaction for r in answers if r.satisfaction is not None]
    recommends = [r.recommend for r in answers if r.recommend is not None]
    cases = facts.cases
    opened = [c for c in cases if opened_in(c, period)]
    contacted = [c.first_contact_hours for c in cases if contacted_in(c, period)]
    resolved = [c for c in cases if resolved_in(c, period)]
    resolution_hours = [c.resolution_hours for c in resolved if c.resolution_hours is not None]
    fc_decisions = [first_contact_deadline(c, now) for c in cases]
    fc_decided = [met for d in fc_decisions if decided_in(d, period) for met in (d[1],)]
    rs_decisions = [resolution_deadline(c, now) for c in cases]
    rs_decided = [met for d in rs_decisions if decided_in(d, period) for met in (d[1],)]
    after = [c.satisfaction_after for c in resolved if c.satisfaction_after is not None]
    changes = [
        c.satisfaction_after - c.satisfaction_before
        for c in resolved
        if c.satisfaction_after is not None and c.satisfaction_before is not None
    ]
    return {
        "sales_count": len(sales),
        "revenue": {currency: cents / 100 for currency, cents in sorted(revenue.items())},
        "surveys_sent": len(sent),
        "surveys_answered": sum(i.answered for i in sent),
        "response_rate": share(sum(i.answered for i in sent), len(sent)),
        "answers": len(answers),
        "satisfaction_avg": mean(ratings),
        "csat": share(sum(r in CSAT_SATISFIED for r in ratings), len(ratings)),
        "nps": _nps(recommends),
        "cases_opened": len(opened),
        "complaints_per_100_sales": 100 * len(opened) / len(sales) if sales else None,
        "first_contact_median_hours": percentile(contacted, 0.5),
        "first_contact_p90_hours": percentile(contacted, 0.9),
        "resolution_median_hours": percentile(resolution_hours, 0.5),
        "resolution_p90_hours": percentile(resolution_hours, 0.9),
        "first_contact_within_sla": share(sum(fc_decided), len(fc_decided)),
        "first_contact_missed": len(fc_decided) - sum(fc_decided),
        "resolution_within_sla": share(sum(rs_decided), len(rs_decided)),
        "resolution_missed": len(rs_decided) - sum(rs_decided),
        "cases_resolved": len(resolved),
        "reopen_rate": share(sum(c.reopen_count > 0 for c in resolved), len(resolved)),
        "resolution_satisfaction": mean(after),
        "satisfaction_change": mean(changes),
        "recovery_rate": _recovery_rate(resolved),
        "repeat_purchase_rate": _repeat_purchase_rate(sales),
        **loyalty(sales, resolved, [c for c in facts.checkins if period.contains(c.at)]),
    }


def _nps(recommends: list[int]) -> float | None:
    if not recommends:
        return None
    promoters = sum(r >= PROMOTER_MIN for r in recommends)
    detractors = sum(r <= DETRACTOR_MAX for r in recommends)
    return 100 * (promoters - detractors) / len(recommends)


def _recovery_rate(resolved: list[CaseFact]) -> float | None:
    """Customers with a case resolved in the period who bought again within 90 days of a
    resolution, over all those customers (a customer with two cases counts once)."""
    by_customer: dict[int, bool] = {}
    for case in resolved:
        by_customer[case.customer_id] = by_customer.get(case.customer_id, False) or recovered(case)
    return share(sum(by_customer.values()), len(by_customer))


def _repeat_purchase_rate(sales: list[SaleFact]) -> float | None:
    """Customers who bought in the period and bought again within 90 days of such a sale."""
    by_customer: dict[int, bool] = {}
    for sale in sales:
        again = sale.next_purchase_at is not None and (
            sale.next_purchase_at <= sale.sold_at + RETURN_WINDOW
        )
        by_customer[sale.customer_id] = by_customer.get(sale.customer_id, False) or again
    return share(sum(by_customer.values()), len(by_customer))


# --- loyalty: what a rep's care after the sale brings back ------------------------------------
def loyalty(sales: list[SaleFact], resolved: list[CaseFact], checkins: list[CheckinFact]) -> dict:
    """Revenue per customer, check-ins and the purchases after them, recovery revenue (all
    for one subject's facts of one period; docs/metrics.md)."""
    return {
        "revenue_per_customer": _revenue_per_customer(sales),
        "checkins_done": len(checkins),
        "repeat_after_checkin_rate": _repeat_after_checkin_rate(checkins),
        "recovery_revenue": _recovery_revenue(resolved),
    }


def _revenue_per_customer(sales: list[SaleFact]) -> dict[str, float]:
    """Per currency: the revenue / the customers who bought in that currency in the period."""
    cents: dict[str, int] = defaultdict(int)
    customers: dict[str, set[int]] = defaultdict(set)
    for sale in sales:
        cents[sale.currency] += sale.amount_cents
        customers[sale.currency].add(sale.customer_id)
    return {c: round(cents[c] / len(customers[c]) / 100, 2) for c in sorted(cents)}


def _repeat_after_checkin_rate(checkins: list[CheckinFact]) -> float | None:
    """Customers checked in with in the period who bought within 90 days after one of those
    check-ins, over all those customers (a customer counts once)."""
    by_customer: dict[int, bool] = {}
    for c in checkins:
        again = bought_within(c.purchases_after, c.at)
        by_customer[c.customer_id] = by_customer.get(c.customer_id, False) or again
    return share(sum(by_customer.values()), len(by_customer))


def _recovery_revenue(resolved: list[CaseFact]) -> dict[str, float]:
    """Per currency: what customers with a complaint resolved in the period bought within 90
    days after its resolution. A customer with several resolutions counts from the first, and
    each sale counts once."""
    first: dict[int, CaseFact] = {}
    for case in sorted(resolved, key=lambda c: c.resolved_at):
        first.setdefault(case.customer_id, case)
    cents: dict[str, int] = defaultdict(int)
    for case in first.values():
        for sold_at, currency, amount in case.sales_after:
            if case.resolved_at < sold_at <= case.resolved_at + RETURN_WINDOW:
                cents[currency] += amount
    return {currency: cents[currency] / 100 for currency in sorted(cents)}
