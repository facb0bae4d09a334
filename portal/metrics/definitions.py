"""Every performance metric of the portal, each defined once (docs/metrics.md explains them).

The functions here are pure: they take the facts of one subject (a rep, a team, everyone) and
one period, as loaded by `portal.metrics.facts`, and return figures. The rollup, the
dashboard's drill-down, the exports and the tests all go through them, so a figure always
means the same thing. Shares are fractions (0.9 = 90%); times are hours; a metric with nothing
to count is None (shown as a dash), never 0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal.metrics.holders import for_subject
from portal.metrics.loyalty import loyalty
from portal.metrics.periods import Period
from portal.metrics.stats import RETURN_WINDOW, bought_within, mean, percentile, share
from portal.metrics.tallies import (  # noqa: F401  (names other modules read from here)
    CSAT_SATISFIED,
    DETRACTOR_MAX,
    PROMOTER_MIN,
    SalesTally,
    SurveyTally,
)


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

# What each rate is computed from: the record's figure counting it (its sample size, "n"),
# and what one of them is called. Same compute() pass as the rate itself.
SAMPLE_SIZES: dict[str, tuple[str, str]] = {
    "response_rate": ("surveys_sent", "surveys"),
    "satisfaction_avg": ("csat_n", "answers"),
    "csat": ("csat_n", "answers"),
    "nps": ("nps_n", "answers"),
    "complaints_per_100_sales": ("sales_count", "sales"),
    "first_contact_median_hours": ("first_contact_n", "cases"),
    "first_contact_p90_hours": ("first_contact_n", "cases"),
    "resolution_median_hours": ("resolution_n", "cases"),
    "resolution_p90_hours": ("resolution_n", "cases"),
    "first_contact_within_sla": ("first_contact_decided", "deadlines"),
    "resolution_within_sla": ("resolution_decided", "deadlines"),
    "reopen_rate": ("cases_resolved", "cases"),
    "resolution_satisfaction": ("resolution_answers", "answers"),
    "satisfaction_change": ("satisfaction_change_n", "answers"),
    "recovery_rate": ("recovery_customers", "customers"),
    "repeat_purchase_rate": ("repeat_customers", "customers"),
}
# A rate from fewer than this many is shown marked as a small sample: one unhappy answer out
# of three makes "CSAT 67%", which says little about the rep.
SMALL_SAMPLE = 10


def sample_size(name: str, metrics: dict) -> int | None:
    """How many things `name` was computed from (None: not a rate, or an older record)."""
    if name not in SAMPLE_SIZES:
        return None
    return metrics.get(SAMPLE_SIZES[name][0])


def is_small_sample(name: str, metrics: dict) -> bool:
    n = sample_size(name, metrics)
    return n is not None and 0 < n < SMALL_SAMPLE


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
    # Whose figure (docs/metrics.md): the seller's (the sale's rep; no sale: the first
    # holder) are the complaint and the satisfaction; the holders' (portal/metrics/holders.py)
    # the times, split by holding period: ((rep_id, hours), ...) up to first contact / to the
    # resolution; the holder when the case was resolved, and when each deadline was decided.
    seller_id: int | None = None
    holder_ids: frozenset = frozenset()
    first_contact_split: tuple | None = None
    resolution_split: tuple | None = None
    resolution_holder: int | None = None
    first_contact_decider: int | None = None
    resolution_decider: int | None = None
    # False: the customer left "You may contact me" unticked: in no first-contact figure.
    contact_wanted: bool = True
    # Set by `for_subject`: which of the case's figures belong to the subject. All True for
    # everyone ("all"); first_contact_hours and resolution_hours become the subject's share.
    mine_opened: bool = True
    mine_resolution: bool = True
    mine_first_contact_deadline: bool = True
    mine_resolution_deadline: bool = True
    mine_satisfaction: bool = True

    # The same purchases with their amounts (sold at, currency, cents), for recovery revenue.
    sales_after: tuple[tuple[datetime, str, int], ...] = ()

    @property
    def reps(self) -> set[int]:
        """Every rep with a share in the case: the seller and each holder."""
        return {rep for rep in (self.seller_id, *self.holder_ids) if rep is not None}


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

        cases = [for_subject(c, set(rep_ids)) for c in self.cases]
        return Facts(
            self.period,
            self.now,
            keep(self.sales),
            keep(self.invitations),
            keep(self.responses),
            [c for c in cases if c is not None],
            keep(self.checkins),
        )


# --- which cases each case metric counts (also what a drill-down lists) ----------------------
def opened_in(case: CaseFact, period: Period) -> bool:
    return case.mine_opened and period.contains(case.created_at)


def contacted_in(case: CaseFact, period: Period) -> bool:
    """First contacted in the period (a case whose customer wants no contact: never)."""
    return (
        case.contact_wanted
        and case.first_contact_hours is not None
        and period.contains(case.first_contact_at)
    )


def resolved_any_in(case: CaseFact, period: Period) -> bool:
    """Resolved in the period, whoever resolved it (its time is split among the holders)."""
    return case.resolved_at is not None and period.contains(case.resolved_at)


def resolved_in(case: CaseFact, period: Period) -> bool:
    """Resolved in the period by the subject (the holder at the resolution)."""
    return case.mine_resolution and resolved_any_in(case, period)


def resolved_for_seller_in(case: CaseFact, period: Period) -> bool:
    """Resolved in the period, a case about the subject's sale: its satisfaction, recovery."""
    return case.mine_satisfaction and resolved_any_in(case, period)


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
    if not case.mine_first_contact_deadline or not case.contact_wanted:
        return None, None
    return _deadline_decided(case.first_contact_at, case.first_contact_due, now)


def resolution_deadline(case: CaseFact, now: datetime):
    if not case.mine_resolution_deadline:
        return None, None
    return _deadline_decided(case.resolved_at, case.resolve_due, now)


def decision_moment(done_at: datetime | None, due: datetime | None) -> datetime | None:
    """When a deadline is decided, whatever `now` is: the deed if in time, else the due time
    (whoever holds the case then answers for it)."""
    if due is None:
        return None
    return done_at if done_at is not None and done_at <= due else due


def decided_in(decision, period: Period) -> bool:
    return decision[0] is not None and period.contains(decision[0])


def recovered(case: CaseFact) -> bool:
    return case.resolved_at is not None and bought_within(case.purchases_after, case.resolved_at)


# --- the figures -----------------------------------------------------------------------------
def compute(facts: Facts) -> dict:
    """Every metric of METRICS for one subject's facts (see docs/metrics.md)."""
    period = facts.period
    sales = [s for s in facts.sales if period.contains(s.sold_at)]
    sent = [i for i in facts.invitations if period.contains(i.sent_at)]
    answers = [r for r in facts.responses if period.contains(r.submitted_at)]
    checkins = [c for c in facts.checkins if period.contains(c.at)]
    return figures(
        SalesTally.of(sales),
        SurveyTally.of(sent, answers),
        facts.cases,
        checkins,
        period,
        facts.now,
    )


def figures(
    sales: SalesTally,
    surveys: SurveyTally,
    cases: list[CaseFact],
    checkins: list[CheckinFact],
    period: Period,
    now: datetime,
) -> dict:
    """Every metric of one subject and period: the sales and surveys counted (the rollup's
    rebuild counts them in SQL), its cases and check-ins in the period."""
    opened = [c for c in cases if opened_in(c, period)]
    contacted = [c.first_contact_hours for c in cases if contacted_in(c, period)]
    resolved_any = [c for c in cases if resolved_any_in(c, period)]
    resolved = [c for c in resolved_any if c.mine_resolution]
    sold_resolved = [c for c in resolved_any if c.mine_satisfaction]
    resolution_hours = [c.resolution_hours for c in resolved_any if c.resolution_hours is not None]
    fc_decisions = [first_contact_deadline(c, now) for c in cases]
    fc_decided = [met for d in fc_decisions if decided_in(d, period) for met in (d[1],)]
    rs_decisions = [resolution_deadline(c, now) for c in cases]
    rs_decided = [met for d in rs_decisions if decided_in(d, period) for met in (d[1],)]
    after = [c.satisfaction_after for c in sold_resolved if c.satisfaction_after is not None]
    changes = [
        c.satisfaction_after - c.satisfaction_before
        for c in sold_resolved
        if c.satisfaction_after is not None and c.satisfaction_before is not None
    ]
    recovery_rate, recovery_known, recovery_pending = _recovery(sold_resolved, now)
    return {
        **sales.figures(),
        **surveys.figures(),
        "cases_opened": len(opened),
        "complaints_per_100_sales": 100 * len(opened) / sales.count if sales.count else None,
        "first_contact_n": len(contacted),
        "resolution_n": len(resolution_hours),
        "first_contact_decided": len(fc_decided),
        "resolution_decided": len(rs_decided),
        "resolution_answers": len(after),
        "satisfaction_change_n": len(changes),
        "recovery_customers": recovery_known,
        "recovery_pending": recovery_pending,
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
        "recovery_rate": recovery_rate,
        **loyalty(sold_resolved, checkins),
    }


def _recovery(resolved: list[CaseFact], now: datetime) -> tuple[float | None, int, int]:
    """(recovery rate, customers counted, customers not known yet). Of the customers with a
    case resolved in the period (a customer with two cases counts once), those whose outcome
    is known: they bought again within 90 days of a resolution, or every such 90 days has
    passed without a purchase. A customer whose window is still open and who has not bought
    yet is not known: left out, not counted as "did not come back"."""
    bought: dict[int, bool] = {}
    open_window: dict[int, bool] = {}
    for case in resolved:
        customer = case.customer_id
        bought[customer] = bought.get(customer, False) or recovered(case)
        still_open = case.resolved_at + RETURN_WINDOW > now
        open_window[customer] = open_window.get(customer, False) or still_open
    known = [c for c in bought if bought[c] or not open_window[c]]
    rate = share(sum(bought[c] for c in known), len(known))
    return rate, len(known), len(bought) - len(known)


# --- loyalty: what a rep's care after the sale brings back ------------------------------------
