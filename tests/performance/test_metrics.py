"""Each metric of portal/metrics/definitions.py, computed by hand on a small dataset.

The dataset (March 2026, team North in Europe/Stockholm, 08-17 Monday to Friday and on call
round the clock, UTC+1 until
29 March): rep Ann has three sales in March (one at 00:00:00 on the 2nd, one at 23:59:59 on the
31st, one in EUR), one on 1 April 00:00 (April's), four surveys sent in March (three answered),
and four cases: contacted on time / late / never, one resolved on time, one reopened twice
and resolved late. Rep Bo has one sale and no survey answers at all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.business_time import working_minutes_between
from portal.metrics.definitions import METRICS, percentile
from portal.metrics.facts import load_facts
from portal.metrics.periods import Period, period_of
from portal.models import Case, Customer, SurveyInvitation, SurveyResponse, utcnow
from portal.services.sla.calendar import DEFAULT_CALENDAR, add_working_minutes

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
MARCH = Period("month", date(2026, 3, 1))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def dataset(make_team, make_user, make_sale):
    team = make_team("North")
    team.round_the_clock = True  # an on-call rota: the critical case counts clock hours
    ann = make_user(team=team, name="Ann")
    bo = make_user(team=team, name="Bo")
    c = {n: Customer(email=f"c{n}@example.org", name=f"C{n}") for n in range(1, 7)}
    s1 = make_sale(ann, c[1], sold_at=at("2026-03-02 00:00:00"))
    s2 = make_sale(ann, c[2], sold_at=at("2026-03-31 23:59:59"), amount=500)
    make_sale(ann, c[3], sold_at=at("2026-04-01 00:00:00"))  # April's, not March's
    s4 = make_sale(ann, c[1], sold_at=at("2026-03-10 12:00"), amount=200, currency="EUR")
    make_sale(ann, c[2], sold_at=at("2026-07-15 12:00"))  # c2 again, > 90 days after s2
    s6 = make_sale(ann, c[6], sold_at=at("2026-02-20 12:00"))
    s7 = make_sale(ann, c[6], sold_at=at("2026-02-21 12:00"))
    make_sale(bo, c[4], sold_at=at("2026-03-01 23:59:59"), amount=300)

    def survey(sale, sent, answer=None):
        inv = SurveyInvitation(
            kind="post_sale", customer=sale.customer, sale=sale, scheduled_for=at(sent)
        )
        inv.sent_at = at(sent)
        db.session.add(inv)
        if answer:
            submitted, satisfaction, recommend = answer
            inv.answered_at = at(submitted)
            db.session.add(
                SurveyResponse(
                    invitation=inv,
                    satisfaction=satisfaction,
                    recommend=recommend,
                    submitted_at=at(submitted),
                )
            )

    survey(s1, "2026-03-03 09:00", ("2026-03-03 10:00", 5, 10))
    survey(s4, "2026-03-11 09:00", ("2026-03-12 10:00", 3, 9))
    survey(s6, "2026-03-01 09:00", ("2026-03-02 10:00", 4, 3))
    survey(s7, "2026-03-01 09:00")  # never answered
    survey(s2, "2026-04-01 09:00", ("2026-04-01 10:00", 1, 0))  # April's

    def case(customer, severity, created, fc_due, first_contact, rs_due, resolved, **fields):
        kase = Case(
            source="survey",
            customer=customer,
            assigned_rep_id=ann.id,
            severity=severity,
            status=fields.pop("status", "closed" if resolved else "contacted"),
            created_at=at(created),
            first_contact_due=at(fc_due),
            first_contact_at=at(first_contact) if first_contact else None,
            resolve_due=at(rs_due),
            resolved_at=at(resolved) if resolved else None,
            **fields,
        )
        db.session.add(kase)
        return kase

    # fmt: off
    # k1 high: opened Mon 09:00 local, contacted 12:00 (3 bh), resolved Tue 10:00 (8+2=10 bh).
    case(c[1], "high", "2026-03-02 08:00", "2026-03-02 12:00", "2026-03-02 11:00",
         "2026-03-04 08:00", "2026-03-03 09:00", satisfaction_before=2, satisfaction_after=4)
    # k2 normal: opened Fri 16:00 local, contacted Mon 10:00 (1+2=3 bh); reopened twice, the
    # final resolution Fri 20th 11:00 local (1 + 5x9 + 4x9 + 3 = 85 bh), after its deadline.
    case(c[5], "normal", "2026-03-06 15:00", "2026-03-09 15:00", "2026-03-09 09:00",
         "2026-03-19 12:00", "2026-03-20 10:00", reopen_count=2,
         satisfaction_before=1, satisfaction_after=2)
    # k3 critical (wall clock): opened Saturday 10:00 UTC, contacted 15:00 (5 h, 3 h late),
    # never resolved; its resolution deadline passed on the 15th.
    case(c[2], "critical", "2026-03-14 10:00", "2026-03-14 12:00", "2026-03-14 15:00",
         "2026-03-15 10:00", None)
    # k4 normal: never contacted (deadline passed on the 26th); resolution due in April.
    case(c[3], "normal", "2026-03-25 10:00", "2026-03-26 10:00", None,
         "2026-04-01 10:00", None, status="open")
    # fmt: on
    db.session.commit()
    return {"team": team, "ann": ann, "bo": bo}


def figures(rep_ids, period=MARCH, now=NOW):
    from portal.metrics.definitions import compute

    return compute(load_facts(period, now, rep_ids))


def test_sales_revenue_and_the_period_boundaries(dataset):
    ann = figures([dataset["ann"].id])
    assert ann["sales_count"] == 3  # 2 Mar 00:00:00, 10 Mar, 31 Mar 23:59:59; not 1 Apr 00:00
    assert ann["revenue"] == {"EUR": 200.0, "SEK": 1250.0 + 500.0}
    week = Period("week", date(2026, 3, 2))
    assert figures([dataset["ann"].id], week)["sales_count"] == 1  # Monday 00:00:00 is in
    bo = dataset["bo"].id
    assert figures([bo], week)["sales_count"] == 0  # Sunday 23:59:59 is the week before
    assert figures([bo], Period("week", date(2026, 2, 23)))["sales_count"] == 1
    assert figures([bo])["sales_count"] == 1  # ... and still in March


def test_surveys_satisfaction_csat_and_nps(dataset):
    ann = figures([dataset["ann"].id])
    assert ann["surveys_sent"] == 4 and ann["surveys_answered"] == 3
    assert ann["response_rate"] == pytest.approx(3 / 4)
    assert ann["satisfaction_avg"] == pytest.approx((5 + 3 + 4) / 3)
    assert ann["csat"] == pytest.approx(2 / 3)  # 5 and 4 of 5, 3, 4: 66.7%
    # recommend 10, 9, 3: two promoters, one detractor -> (2 - 1) / 3 = 33.3
    assert ann["nps"] == pytest.approx(100 * (2 - 1) / 3)


def test_a_rep_with_no_answers_has_no_figures_not_zeros(dataset):
    bo = figures([dataset["bo"].id])
    for name in ("response_rate", "satisfaction_avg", "csat", "nps", "recovery_rate"):
        assert bo[name] is None, name
    assert bo["complaints_per_100_sales"] == 0  # one sale, no case
    assert bo["first_contact_median_hours"] is None


def test_case_counts_and_times_in_business_hours(dataset):
    ann = figures([dataset["ann"].id])
    assert ann["cases_opened"] == 4
    assert ann["complaints_per_100_sales"] == pytest.approx(100 * 4 / 3)
    # first contact: 3 bh, 3 bh, 5 clock hours -> median 3, p90 = 3 + 0.8 * (5 - 3)
    assert ann["first_contact_median_hours"] == pytest.approx(3.0)
    assert ann["first_contact_p90_hours"] == pytest.approx(4.6)
    # resolution: 10 bh and 85 bh (the twice-reopened case once, to its final resolution)
    assert ann["cases_resolved"] == 2
    assert ann["resolution_median_hours"] == pytest.approx((10 + 85) / 2)
    assert ann["resolution_p90_hours"] == pytest.approx(10 + 0.9 * (85 - 10))
    assert ann["reopen_rate"] == pytest.approx(1 / 2)


def test_deadlines_met(dataset):
    ann = figures([dataset["ann"].id])
    # first contact: k1 and k2 on time, k3 late, k4 never (its deadline passed in March)
    assert ann["first_contact_within_sla"] == pytest.approx(2 / 4)
    # resolution: k1 on time; k2 after its deadline; k3's deadline passed unresolved;
    # k4's deadline is in April, so not counted in March
    assert ann["resolution_within_sla"] == pytest.approx(1 / 3)
    april = figures([dataset["ann"].id], Period("month", date(2026, 4, 1)))
    assert april["resolution_within_sla"] == 0


def test_a_case_closed_as_not_a_complaint_leaves_every_complaint_figure(dataset):
    ann_id = dataset["ann"].id
    before = figures([ann_id])
    customer = Customer(email="not-a-complaint@example.org", name="Nina")
    # Opened Tue 10 March, its first-contact deadline missed (it would count as late), then
    # relabelled neutral and closed as not a complaint.
    db.session.add(
        Case(
            source="survey",
            customer=customer,
            assigned_rep_id=ann_id,
            severity="normal",
            status="closed",
            outcome="not_a_complaint",
            created_at=at("2026-03-10 09:00"),
            first_contact_due=at("2026-03-10 12:00"),
            resolve_due=at("2026-03-12 12:00"),
            closed_at=at("2026-03-11 09:00"),
        )
    )
    db.session.commit()
    after = figures([ann_id])
    assert after["cases_opened"] == 4  # k1-k4 only
    assert after["complaints_per_100_sales"] == pytest.approx(100 * 4 / 3)
    assert after["first_contact_within_sla"] == pytest.approx(2 / 4)
    assert after["resolution_within_sla"] == pytest.approx(1 / 3)
    assert after == before
    # The same case as an ordinary complaint is counted: the filter is the outcome.
    db.session.execute(
        sa.update(Case).where(Case.customer_id == customer.id).values(outcome=None, status="open")
    )
    db.session.commit()
    reopened = figures([ann_id])
    assert reopened["cases_opened"] == 5
    assert reopened["first_contact_within_sla"] == pytest.approx(2 / 5)


def test_a_case_whose_customer_wanted_no_contact_is_in_no_first_contact_figure(dataset):
    """The customer left "You may contact me" unticked: no first-contact deadline to meet or
    miss, no time to first contact (even if someone contacted them anyway), but its
    resolution counts like any other."""
    ann_id = dataset["ann"].id
    before = figures([ann_id])
    nobody, anyway = (Customer(email=f"{n}@example.org", name=n) for n in ("Nora", "Ove"))
    # k5: opened Tue 10 March 10:00 local, never contacted, resolved Wed 10:00 local (9 bh),
    # before its resolution deadline.
    # k6: opened Tue 17 March, contacted anyway at 11:00 local, not resolved yet.
    for customer, created, contacted, resolved, status in (
        (nobody, "2026-03-10 09:00", None, "2026-03-11 09:00", "closed"),
        (anyway, "2026-03-17 09:00", "2026-03-17 10:00", None, "contacted"),
    ):
        db.session.add(
            Case(
                source="survey",
                customer=customer,
                assigned_rep_id=ann_id,
                severity="normal",
                status=status,
                contact_wanted=False,
                created_at=at(created),
                first_contact_due=None,
                first_contact_at=at(contacted) if contacted else None,
                resolve_due=at("2026-03-12 12:00") if resolved else at("2026-04-10 12:00"),
                resolved_at=at(resolved) if resolved else None,
            )
        )
    db.session.commit()
    after = figures([ann_id])
    assert after["cases_opened"] == 6
    first_contact = [key for key in after if key.startswith("first_contact")]
    assert len(first_contact) == 6  # n, median, p90, decided, within the deadline, missed
    assert {k: after[k] for k in first_contact} == {k: before[k] for k in first_contact}
    assert after["first_contact_within_sla"] == pytest.approx(2 / 4)
    # Resolution: k1 (10 bh), k2 (85 bh) and k5 (9 bh); k5 met its deadline.
    assert after["cases_resolved"] == 3 and after["resolution_n"] == 3
    assert after["resolution_median_hours"] == pytest.approx(10.0)
    assert after["resolution_within_sla"] == pytest.approx(2 / 4)
    # The same cases wanting contact: k5 missed its first contact, k6 made it in 1 hour.
    for kase in db.session.scalars(
        sa.select(Case).where(Case.customer_id.in_([nobody.id, anyway.id]))
    ):
        kase.contact_wanted, kase.first_contact_due = True, kase.created_at + timedelta(hours=3)
    db.session.commit()
    wanted = figures([ann_id])
    assert wanted["first_contact_n"] == before["first_contact_n"] + 1
    assert wanted["first_contact_within_sla"] == pytest.approx(3 / 6)


def test_resolution_satisfaction_recovery_and_repeat_purchases(dataset):
    ann = figures([dataset["ann"].id])
    assert ann["resolution_satisfaction"] == pytest.approx((4 + 2) / 2)
    assert ann["satisfaction_change"] == pytest.approx(((4 - 2) + (2 - 1)) / 2)
    # c1 bought on 10 March after k1's resolution on the 3rd. c5 (k2 resolved 20 March) has
    # not bought again, but on 15 June their 90 days are not over: not known yet, left out.
    assert ann["recovery_rate"] == pytest.approx(1 / 1)
    assert (ann["recovery_customers"], ann["recovery_pending"]) == (1, 1)
    # Once c5's 90 days are over (18 June), they count as not recovered.
    later = figures([dataset["ann"].id], now=at("2026-06-18 10:00"))
    assert later["recovery_rate"] == pytest.approx(1 / 2)
    assert (later["recovery_customers"], later["recovery_pending"]) == (2, 0)
    # c1: 2 Mar then 10 Mar (again within 90 days); c2: 31 Mar then 15 Jul (too late)
    assert ann["repeat_purchase_rate"] == pytest.approx(1 / 2)


def test_team_figures_pool_the_facts_of_its_reps(dataset):
    from portal.metrics.rollup import compute_period

    rows = compute_period(MARCH, NOW)
    _, team_id, north = rows[f"team:{dataset['team'].id}"]
    assert team_id == dataset["team"].id
    assert north["sales_count"] == 4
    assert north["revenue"] == {"EUR": 200.0, "SEK": 2050.0}
    assert north["complaints_per_100_sales"] == pytest.approx(100 * 4 / 4)
    assert north["csat"] == pytest.approx(2 / 3)  # Bo has no answers: Ann's alone


def test_the_rollup_stores_the_same_figures_as_the_facts_give(dataset, runner):
    from portal.models import PerformanceRecord

    result = runner.invoke(args=["portal", "rebuild-performance"])
    assert result.exit_code == 0, result.output
    assert "performance records" in result.output
    ann = dataset["ann"].id
    stored = (
        db.session.query(PerformanceRecord)
        .filter_by(subject=f"rep:{ann}", period="month", period_start=MARCH.start)
        .one()
    )
    assert stored.metrics == figures([ann], now=utcnow())  # the rebuild counts until now
    weekly = db.session.query(PerformanceRecord).filter_by(subject=f"rep:{ann}", period="week")
    assert {r.period_start for r in weekly} >= {date(2026, 3, 2), date(2026, 3, 9)}
    assert stored.metrics["csat"] == pytest.approx(2 / 3)


def test_rebuild_again_gives_the_same_rows(dataset):
    from portal.metrics.rollup import rebuild
    from portal.models import PerformanceRecord

    def snapshot():
        return sorted(
            (r.subject, r.period, r.period_start, repr(sorted(r.metrics.items())))
            for r in db.session.query(PerformanceRecord)
        )

    rebuild(NOW)
    first = snapshot()
    rebuild(NOW)
    assert snapshot() == first and first


def test_every_figure_has_a_definition():
    from portal.metrics.definitions import Facts, compute

    empty = compute(Facts(MARCH, NOW, [], [], [], []))
    assert set(METRICS) <= set(empty)


def test_percentile_interpolates_between_ranks():
    assert percentile([1, 2, 3, 4, 10], 0.9) == pytest.approx(4 + 0.6 * (10 - 4))
    assert percentile([7], 0.9) == 7
    assert percentile([], 0.5) is None


@pytest.mark.parametrize("minutes", [0, 30, 540, 541, 600, 5 * 540 + 17])
def test_working_minutes_between_is_the_inverse_of_add_working_minutes(minutes):
    start = at("2026-03-06 15:30")  # Friday 16:30 in Stockholm
    end = add_working_minutes(start, minutes, DEFAULT_CALENDAR)
    assert working_minutes_between(start, end, DEFAULT_CALENDAR) == pytest.approx(minutes)


def test_periods_name_and_bound_weeks_months_and_quarters():
    assert period_of("week", at("2026-03-01 23:59:59")).start == date(2026, 2, 23)
    assert period_of("quarter", at("2026-03-31 23:59:59")).label == "2026-Q1"
    assert Period("month", date(2026, 12, 1)).end == date(2027, 1, 1)
    assert MARCH.next().label == "2026-04"
    with pytest.raises(ValueError, match="not the first day"):
        Period("month", date(2026, 3, 2))
    assert Period("week", date(2026, 3, 2)).ends_at - Period("week", date(2026, 3, 2)).starts_at \
        == timedelta(days=7)  # fmt: skip


def test_later_purchases_are_found_the_same_way_for_few_or_many_customers(dataset, monkeypatch):
    from portal.metrics import facts

    few = figures([dataset["ann"].id])
    monkeypatch.setattr(facts, "MANY_CUSTOMERS", 0)  # take the one-pass route
    assert figures([dataset["ann"].id]) == few
    assert few["recovery_rate"] == pytest.approx(1 / 1)  # c1 bought again; c5 not known yet
