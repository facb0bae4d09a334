"""The periodic rollup job and the weekly digest emailed to managers."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal import jobs
from portal.extensions import db
from portal.jobs.performance import queue_weekly_digests, refresh_performance, settle_performance
from portal.metrics.periods import period_of
from portal.metrics.rollup import compute_period
from portal.models import (
    Case,
    Customer,
    Goal,
    PerformanceRecord,
    SurveyInvitation,
    SurveyResponse,
    utcnow,
)
from portal.services.performance.digest import digest_week

from ..conftest import body_text


@pytest.fixture
def last_week_org(make_team, make_user, make_sale):
    now = utcnow()
    week = digest_week(now)
    manager = make_user("manager", name="Maja Manager", email="maja@example.com")
    team = make_team("North", lead=manager)
    rep = make_user(team=team, name="Ann North")
    sold = week.starts_at + timedelta(days=1, hours=10)
    sale = make_sale(rep, sold_at=sold)
    invitation = SurveyInvitation(
        kind="post_sale", customer=sale.customer, sale=sale, scheduled_for=sold, sent_at=sold
    )
    db.session.add(invitation)
    db.session.add(
        SurveyResponse(
            invitation=invitation,
            satisfaction=2,
            recommend=3,
            submitted_at=sold + timedelta(hours=2),
            # Already analysed: a real worker must not triage it into a second case meanwhile.
            analysed_at=sold + timedelta(hours=2),
            sentiment_label="neutral",
        )
    )
    db.session.add(
        Goal(rep_id=rep.id, metric="csat", target=0.9, period="week", period_start=week.start)
    )
    db.session.add(
        Case(
            source="survey",
            customer=Customer(email="angry@example.org", name="Angry"),
            assigned_rep_id=rep.id,
            severity="high",
            created_at=sold,
            first_contact_due=sold + timedelta(hours=4),
            first_contact_breached_at=sold + timedelta(hours=4, minutes=1),
            resolve_due=sold + timedelta(days=2),
        )
    )
    db.session.commit()
    return {"manager": manager, "team": team, "rep": rep, "week": week}


def test_the_rollup_jobs_store_the_periods_as_computed_from_the_facts(last_week_org, run_jobs):
    def stored(period):
        rows = db.session.query(PerformanceRecord).filter_by(
            period=period.kind, period_start=period.start
        )
        return {r.subject: r.metrics for r in rows}

    def computed(period):
        return {s: metrics for s, (_, _, metrics) in compute_period(period, utcnow()).items()}

    # Every 10 minutes: this week, month and quarter.
    jobs.enqueue(refresh_performance, family="maintenance")
    run_jobs()
    db.session.expire_all()
    month = period_of("month", utcnow())
    assert stored(month) == computed(month) and "all" in stored(month)
    # Daily: the periods that can still change, last week among them.
    week = last_week_org["week"]
    jobs.enqueue(settle_performance, family="maintenance")
    run_jobs()
    db.session.expire_all()
    assert stored(week) == computed(week)
    rep = stored(week)[f"rep:{last_week_org['rep'].id}"]
    assert rep["sales_count"] == 1 and rep["csat"] == 0 and rep["nps"] == -100


def test_each_manager_gets_last_weeks_digest_once(last_week_org, run_jobs, outbox):
    assert queue_weekly_digests() == 1
    run_jobs()
    messages = [m for m in outbox() if m["To"] == "maja@example.com"]
    assert len(messages) == 1
    text = body_text(messages[0])
    week = last_week_org["week"]
    assert week.label in messages[0]["Subject"]
    assert "== North ==" in text
    assert "Sales: 1" in text and "CSAT: 0%" in text
    assert "Ann North: CSAT at least 90%" in text and "now 0%" in text  # the goal at risk
    assert "Deadlines missed during the week: 1" in text
    assert "https://portal.example.test/performance/" in text
    # The next hourly run finds the digest sent and queues nothing; a stray job sends nothing.
    assert queue_weekly_digests() == 0
    from portal.jobs.performance import send_weekly_digest

    assert send_weekly_digest(last_week_org["manager"].id, week.start.isoformat()) is False
    run_jobs()
    assert len([m for m in outbox() if m["To"] == "maja@example.com"]) == 1


def test_managers_without_a_team_get_no_digest(make_user, run_jobs, outbox):
    make_user("manager", email="lonely@example.com")
    assert queue_weekly_digests() == 0
    run_jobs()
    assert outbox() == []
