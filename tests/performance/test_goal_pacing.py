"""Goals with timelines and pacing (issue 16.3, issue 14.4): a goal is checked against where
it should be by today and a forecast to its end, not against the whole target on the 6th;
goals may span several periods with milestones; each goal shows its figure in the periods
before."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from portal.extensions import db
from portal.metrics.pacing import elapsed_share, expected_value, pace
from portal.metrics.periods import Period
from portal.metrics.rollup import store_period
from portal.models import Goal
from portal.services.performance import goals
from portal.services.performance.goal_progress import progress_of
from portal.services.rules import RuleError

from ..conftest import submit
from . import test_dashboard

org = test_dashboard.org
NOV = Period("month", date(2026, 11, 1))
NOV_6 = datetime(2026, 11, 6, tzinfo=UTC)  # 5 of November's 30 days are gone


def test_a_sales_goal_on_the_6th_is_paced_not_compared_with_the_whole_target():
    elapsed = elapsed_share(NOV.starts_at, NOV.ends_at, NOV_6)
    assert elapsed == pytest.approx(5 / 30)
    good = pace(unit="count", higher_is_better=True, current=22, target=100, before=80,
                elapsed=elapsed)  # fmt: skip
    assert good.status == "On track" and good.ahead is True
    assert good.expected == pytest.approx(100 * 5 / 30)
    assert good.forecast == pytest.approx(132)
    slow = pace(unit="count", higher_is_better=True, current=10, target=100, before=80,
                elapsed=elapsed)  # fmt: skip
    assert (slow.status, slow.ahead, slow.forecast) == ("At risk", False, pytest.approx(60))


def test_a_rate_is_forecast_from_the_figure_before_for_the_time_left():
    # CSAT 85% after a few days, 92% the month before, target 90%: forecast
    # 0.2 x 85% + 0.8 x 92% = 90.6%, on track (comparing 85% with 90% said "At risk").
    early = pace(unit="share", higher_is_better=True, current=0.85, target=0.9, before=0.92,
                 elapsed=0.2)  # fmt: skip
    assert early.forecast == pytest.approx(0.906)
    assert early.status == "On track"
    # 92% before already reached the target: expected by today is the target all along.
    assert early.expected == pytest.approx(0.9)
    # Below the target before: expected by today runs from there to the target.
    rising = pace(unit="share", higher_is_better=True, current=0.85, target=0.9, before=0.8,
                  elapsed=0.2)  # fmt: skip
    assert rising.expected == pytest.approx(0.8 + (0.9 - 0.8) * 0.2) and rising.ahead is True
    # Hours: lower is better.
    hours = pace(unit="hours", higher_is_better=False, current=9, target=4, before=8,
                 elapsed=0.5)  # fmt: skip
    assert hours.forecast == pytest.approx(8.5) and hours.status == "At risk"
    assert pace(unit="share", higher_is_better=True, current=None, target=0.9, before=0.8,
                elapsed=0.3).status == "No figure yet"  # fmt: skip


def test_a_goal_whose_time_is_over_is_met_or_missed():
    assert pace(unit="count", higher_is_better=True, current=100, target=100, before=None,
                elapsed=1).status == "Met"  # fmt: skip
    assert pace(unit="hours", higher_is_better=False, current=5, target=4, before=None,
                elapsed=1).status == "Missed"  # fmt: skip


def test_milestones_bend_the_line_of_where_the_goal_should_be():
    # 0 -> 40 by a third of the time -> 100 at the end.
    assert expected_value(1 / 6, 0, 100, [(1 / 3, 40)]) == pytest.approx(20)
    assert expected_value(2 / 3, 0, 100, [(1 / 3, 40)]) == pytest.approx(70)
    assert expected_value(1.0, 0, 100, [(1 / 3, 40)]) == pytest.approx(100)


def test_the_records_paced_on_the_6th(app, org, make_sale):
    ann = org["ann"]
    for n in range(22):
        make_sale(rep=ann, sold_at=NOV.starts_at + timedelta(days=n % 5, hours=10))
    store_period(NOV, NOV_6)
    store_period(NOV.previous(), NOV_6)
    goal = goals.set_goal(org["manager"], subject=f"rep:{ann.id}", metric="sales_count",
                          target=100, period="month", start=NOV.start)  # fmt: skip
    (progress,) = progress_of([goal], NOV_6, history=True)
    assert progress.current == 22
    assert progress.status == "On track"
    assert progress.expected_mark == 17
    assert [p.label for p, _ in progress.history][-1] == "2026-10"


def test_a_goal_over_three_months_with_milestones_set_on_the_goals_page(client, login, org):
    login(org["manager"])
    start = date.today().replace(day=1)
    first_milestone = (start + timedelta(days=40)).isoformat()
    response = submit(
        client,
        "/performance/goals",
        {
            "subject": f"rep:{org['ann'].id}",
            "metric": "csat",
            "target": "90",
            "period": "month",
            "start": start.isoformat(),
            "span": "3",
            "milestones": f"{first_milestone}=80",
        },
    )
    assert response.status_code == 302
    goal = db.session.query(Goal).one()
    assert goal.span == 3 and goal.milestones == [{"on": first_milestone, "target": 0.8}]
    page = client.get("/performance/goals").get_data(as_text=True)
    assert "By today:" in page and "Forecast at the end:" in page
    # The status and the pace are worded so they cannot read as a contradiction.
    assert re.search(r"(which reaches|short of) the target", page)
    assert f"Milestones: {first_milestone} 80%" in page
    card = client.get(f"/performance/reps/{org['ann'].id}").get_data(as_text=True)
    assert "Forecast at the end:" in card and "Before:" in card


@pytest.mark.parametrize(
    ("milestones", "message"),
    [
        ("soon=80", "Write each milestone as date=target"),
        ("2020-01-01=80", "is not inside the goal's time"),
        ("2026-11-15=180", "between 0 and 100"),
    ],
)
def test_a_bad_milestone_is_refused_with_what_to_fix(app, org, milestones, message):
    with pytest.raises(RuleError, match=message):
        goals.set_goal(org["manager"], subject=f"rep:{org['ann'].id}", metric="csat",
                       target=90, period="month", start=NOV.start, span=2,
                       milestones=milestones)  # fmt: skip
