"""The rebuild (every period at once: metrics/bulk.py, counted in SQL on PostgreSQL) gives
the same figures as computing each period from its facts (rollup.compute_period), for every
metric, every subject (rep, team, everyone) and every period.

The data set is small but has what changes a figure: two teams and a rep in none, a sale with
no rep, three currencies, customers who buy again within 90 days and after, two purchases at
the same moment, surveys sent and not answered, answers with no score, cases opened, contacted
late or never, resolved, reopened, waiting for the customer, moved between reps, closed as
"not a complaint" and opened from an answer that did not ask for contact (no first-contact
deadline; some contacted anyway), check-ins, and the first moments of a month and a week.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from portal.extensions import db
from portal.metrics.bulk import compute_periods
from portal.metrics.rollup import all_periods, compute_period, rebuild
from portal.models import (
    Case,
    CaseEvent,
    CasePause,
    Checkin,
    Customer,
    PerformanceRecord,
    Sale,
    SurveyInvitation,
    SurveyResponse,
)

START = datetime(2026, 1, 1, tzinfo=UTC)
NOW = datetime(2026, 4, 20, 15, 30, tzinfo=UTC)
SEVERITIES = ("critical", "high", "normal", "low")


def moment(rng: random.Random, days: float = 100) -> datetime:
    return START + timedelta(minutes=rng.randrange(int(days * 24 * 60)))


@pytest.fixture
def company(make_team, make_user):
    rng = random.Random(15)
    north, south = make_team("North"), make_team("South")
    north.round_the_clock = True  # wall-clock policies count clock hours here
    reps = [make_user(team=north) for _ in range(3)] + [make_user(team=south) for _ in range(3)]
    reps.append(make_user(team=None, name="Solo Rep"))
    customers = [Customer(email=f"k{n}@example.org", name=f"K{n}") for n in range(40)]
    db.session.add_all(customers)
    sales = []
    for n in range(160):
        rep = None if n == 7 else rng.choice(reps)
        sold_at = moment(rng)
        if n < 4:  # the first moment of a month and of a week
            sold_at = datetime(2026, 3 if n < 2 else 2, 1 if n < 2 else 2, tzinfo=UTC)
        sales.append(
            Sale(
                order_ref=f"R-{n}",
                customer=rng.choice(customers),
                rep=rep,
                amount=Decimal(rng.randrange(100, 900_000)) / 100,
                currency=("SEK", "EUR", "GBP")[n % 3],
                product="Chair",
                sold_at=sold_at,
            )
        )
    # Two purchases of one customer at the same moment: neither is "again" after the other.
    twice = Customer(email="twice@example.org", name="Twice")
    sales[10].customer, sales[11].customer, sales[10].sold_at = twice, twice, sales[11].sold_at
    db.session.add_all(sales)
    db.session.flush()
    for n, sale in enumerate(sales[:130]):
        sent = sale.sold_at + timedelta(days=1)
        invitation = SurveyInvitation(
            kind="post_sale", customer=sale.customer, sale_id=sale.id, scheduled_for=sent,
            sent_at=None if n % 17 == 0 else sent,
        )  # fmt: skip
        db.session.add(invitation)
        db.session.flush()
        if n % 4 and invitation.sent_at:
            db.session.add(
                SurveyResponse(
                    invitation_id=invitation.id,
                    satisfaction=None if n % 11 == 0 else rng.randint(1, 5),
                    recommend=None if n % 13 == 0 else rng.randint(0, 10),
                    submitted_at=sent + timedelta(hours=rng.randint(1, 24 * 12)),
                )
            )
    for n in range(45):
        _case(n, rng, rng.choice(sales[:150]), reps)
    for n in range(25):
        db.session.add(
            Checkin(
                customer=rng.choice(customers),
                rep=None if n == 3 else rng.choice(reps),
                channel="call",
                at=moment(rng),
            )
        )
    db.session.commit()
    return reps


def _case(n: int, rng: random.Random, sale: Sale, reps: list) -> None:
    created = min(sale.sold_at + timedelta(hours=rng.randint(2, 24 * 20)), NOW)
    severity = SEVERITIES[n % 4]
    contacted = created + timedelta(minutes=rng.randint(10, 60 * 40))
    contacted = None if n % 9 == 0 or contacted > NOW else contacted
    resolved = None
    if contacted and n % 5:
        resolved = min(contacted + timedelta(hours=rng.randint(1, 24 * 9)), NOW)
    holder = rng.choice(reps) if n % 6 == 0 else sale.rep
    status = ("closed", "resolved")[n % 2] if resolved else ("contacted" if contacted else "open")
    if resolved and n % 7 == 0:
        status = "reopened"  # its resolution no longer counts, its resolved_at stays
    wanted = n % 5 != 2  # "You may contact me" left unticked: no first-contact deadline
    kase = Case(
        source="survey",
        customer=sale.customer,
        sale=None if n % 10 == 3 else sale,
        assigned_rep_id=None if n == 4 else (holder.id if holder else None),
        status=status,
        severity=severity,
        created_at=created,
        first_contact_due=created + timedelta(hours=(2, 4, 9, 18)[n % 4]) if wanted else None,
        contact_wanted=wanted,
        resolve_due=created + timedelta(days=(1, 2, 5, 10)[n % 4]),
        first_contact_at=contacted,
        resolved_at=resolved,
        reopen_count=1 if status == "reopened" or n % 8 == 0 else 0,
        satisfaction_before=rng.randint(1, 3),
        satisfaction_after=rng.randint(2, 5) if resolved and n % 3 else None,
        outcome="not_a_complaint" if n == 12 else None,
    )
    db.session.add(kase)
    db.session.flush()
    if n % 6 == 0 and sale.rep is not None and holder is not None:  # moved: seller, then holder
        for kind, rep, at in (("assigned", sale.rep, created), ("assigned", holder, created
                              + timedelta(hours=3))):  # fmt: skip
            db.session.add(CaseEvent(case_id=kase.id, kind=kind, data={"rep_id": rep.id},
                                     created_at=at))  # fmt: skip
    if resolved and n % 4 == 1:  # waited for the customer for a while
        db.session.add(
            CasePause(
                case_id=kase.id, started_at=created + timedelta(hours=5), business_days=2,
                resume_by=created + timedelta(days=3), question="Photo?",
                ended_at=min(created + timedelta(hours=30), resolved), ended_by="customer",
            )
        )  # fmt: skip


def test_the_rebuild_gives_every_figure_of_every_subject_and_period_as_computed_alone(company):
    periods = all_periods(NOW)
    assert {p.kind for p in periods} == {"week", "month", "quarter"} and len(periods) > 20

    together = compute_periods(periods, NOW)

    subjects = set()
    for period in periods:
        alone = compute_period(period, NOW)
        assert together[(period.kind, period.start)] == alone, period
        subjects.update(alone)
    # Every kind of subject was compared, with figures that are not all empty.
    assert {s.split(":")[0] for s in subjects} == {"rep", "team", "all"}
    everyone = together[("quarter", datetime(2026, 1, 1).date())]["all"][2]
    assert everyone["sales_count"] > 100 and everyone["answers"] > 50
    assert everyone["cases_resolved"] > 10 and everyone["checkins_done"] > 10
    assert everyone["repeat_purchase_rate"] and everyone["resolution_p90_hours"]


def test_the_rebuild_writes_those_figures_in_place_of_the_old_ones(company):
    db.session.add(
        PerformanceRecord(
            subject="all", period="week", period_start=datetime(2020, 1, 6).date(), metrics={}
        )
    )
    db.session.commit()

    written = rebuild(NOW)

    records = db.session.query(PerformanceRecord).all()
    assert written == len(records)
    # The old period's row is gone: the first is the week holding 1 January 2026.
    assert min(r.period_start for r in records) == datetime(2025, 12, 29).date()
    april = next(p for p in all_periods(NOW) if p.kind == "month" and p.start.month == 4)
    stored = {r.subject: r.metrics for r in records if (r.period, r.period_start) == (
        "month", april.start)}  # fmt: skip
    alone = {s: m for s, (_, _, m) in compute_period(april, NOW).items()}
    assert stored == alone
