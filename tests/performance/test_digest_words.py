"""The weekly digest names its week as people do and links to what it lists; the dashboard's
period says its days without jargon."""

from __future__ import annotations

import re
from datetime import date

from portal.metrics.periods import Period

from ..conftest import body_text
from . import test_performance_jobs as jobs_tests

last_week_org = jobs_tests.last_week_org  # the fixture: a team, last week's goal and breach


def test_a_period_is_named_by_its_days():
    assert Period("week", date(2026, 11, 23)).days_text == "23\u201329 November 2026"
    assert Period("week", date(2026, 11, 30)).days_text == "30 November \u2013 6 December 2026"
    assert Period("week", date(2025, 12, 29)).days_text == "29 December 2025 \u2013 4 January 2026"
    assert Period("quarter", date(2026, 10, 1)).days_text == "1 October \u2013 31 December 2026"


def test_the_digest_says_which_days_and_links_the_missed_cases_and_goals(
    last_week_org, run_jobs, outbox
):
    jobs_tests.queue_weekly_digests()
    run_jobs()
    message = next(m for m in outbox() if m["To"] == "maja@example.com")
    week = last_week_org["week"]
    text = body_text(message)
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f"({week.days_text})" in text and f"({week.days_text})" in html
    assert week.start.isoformat() + " to" not in text  # no "2026-11-23 to 2026-11-30"
    case_link = re.search(r'<a href="(https://portal\.example\.test/cases/\d+)"[^>]*>Case #', html)
    assert case_link and case_link.group(1) in text
    rep = last_week_org["rep"]
    goal_link = (
        f"https://portal.example.test/performance/reps/{rep.id}"
        f"?period=week&amp;start={week.start.isoformat()}"
    )
    assert f'<a href="{goal_link}"' in html
    assert goal_link.replace("&amp;", "&") in text


def test_the_dashboard_period_says_when_its_utc_days_run_in_the_companys_zone(
    client, login, make_user
):
    """The records count whole UTC days: a manager of a Stockholm company reads that December
    runs from 01:00 on the 1st to 01:00 on 1 January in Stockholm, and a summer month from
    02:00."""
    login(make_user("admin"))
    page = client.get("/performance/?period=month&start=2026-12-01").get_data(as_text=True)
    assert (
        "2026-12: 1\u201331 December 2026 (counted in UTC days: Tue 1 Dec 01:00 to "
        "Fri 1 Jan 01:00 Stockholm time)"
    ) in page
    assert "end excluded" not in page
    page = client.get("/performance/?period=month&start=2026-07-01").get_data(as_text=True)
    assert "Wed 1 Jul 02:00 to Sat 1 Aug 02:00 Stockholm time" in page
