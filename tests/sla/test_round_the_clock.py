"""A deadline told to a customer is one the team can keep: a wall-clock SLA policy runs day
and night only for a team on call round the clock; every other team counts business hours,
and the SLA admin preview says so before the policy is saved (issue 13, point 4)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, SlaPolicy, Team, utcnow
from portal.services.setup import ensure_sla_policies
from tests.cases import test_complaints
from tests.cases.test_complaints import complain, confirm, confirm_link, path_of
from tests.conftest import PASSWORD, submit

# Order ORD-7 of Carl, sold by Rita of team North (led by Maja): the complaint tests' set-up.
sold = test_complaints.sold


@pytest.fixture
def wall_clock_policies(app):
    """Every severity: first contact within 2 clock hours, resolved within 1 clock day."""
    ensure_sla_policies()
    for policy in db.session.scalars(sa.select(SlaPolicy)):
        policy.first_contact_amount, policy.first_contact_unit = 2, "hours"
        policy.resolve_amount, policy.resolve_unit = 1, "days"
        policy.business_hours = False
    db.session.commit()


def north_works_only(day) -> Team:
    """Team North works one weekday only (that of `day`), 08:00-17:00 UTC: nobody is there
    now, nor tomorrow."""
    north = db.session.scalar(sa.select(Team).where(Team.name == "North"))
    north.timezone = "UTC"
    north.workdays = str(day.isoweekday())
    north.workday_start, north.workday_end = time(8), time(17)
    db.session.commit()
    return north


def file_complaint(client, run_jobs, outbox):
    response = confirm(client, confirm_link(run_jobs, outbox))
    run_jobs()
    return path_of(response.headers["Location"])


def admin_client(app, make_user):
    admin = make_user("admin", name="Ada Admin", email="ada@example.com")
    browser = app.test_client()
    submit(browser, "/login", {"email": admin.email, "password": PASSWORD})
    return browser


def test_a_wall_clock_policy_promises_working_time_in_a_team_without_an_on_call_rota(
    client, sold, run_jobs, outbox, wall_clock_policies
):
    sold(timezone="UTC")
    workday = (utcnow() + timedelta(days=2)).date()
    north_works_only(workday)
    complain(client)
    status = file_complaint(client, run_jobs, outbox)

    [case] = db.session.scalars(sa.select(Case)).all()
    # Two clock hours from now would fall while nobody works: the first two working hours
    # of the next working day instead.
    promised = datetime.combine(workday, time(10), UTC)
    assert case.first_contact_due == promised
    page = client.get(status).get_data(as_text=True)
    assert f"{promised:%A} {promised.day} {promised:%B} {promised.year} at 10:00" in page


def test_a_team_on_call_round_the_clock_keeps_the_clock_running(
    app, client, sold, run_jobs, outbox, make_user, wall_clock_policies
):
    sold(timezone="UTC")
    north = north_works_only((utcnow() + timedelta(days=2)).date())
    admin = admin_client(app, make_user)
    edit = f"/admin/teams/{north.id}/edit"
    form = {
        "name": "North",
        "lead": str(north.lead_id),
        "calendar_shown": "1",
        "timezone": "UTC",
        "workdays": [north.workdays],
        "workday_start": "08:00",
        "workday_end": "17:00",
        "round_the_clock": "y",
    }
    saved = submit(admin, edit, form, follow_redirects=True).get_data(as_text=True)
    assert "on call round the clock" in saved
    db.session.expire_all()
    assert db.session.get(Team, north.id).round_the_clock

    complain(client)
    file_complaint(client, run_jobs, outbox)
    [case] = db.session.scalars(sa.select(Case)).all()
    assert case.first_contact_due == case.created_at + timedelta(hours=2)
    assert case.resolve_due == case.created_at + timedelta(days=1)


def preview(client, ticked_business_hours: bool) -> dict:
    query = {
        "severity": "critical",
        "critical-first_contact_amount": "2",
        "critical-first_contact_unit": "hours",
        "critical-resolve_amount": "1",
        "critical-resolve_unit": "days",
    }
    if ticked_business_hours:
        query["critical-business_hours"] = "y"
    return client.get(f"/admin/sla/preview?{urlencode(query)}").get_json()


def test_the_sla_preview_shows_the_night_problem_before_saving(app, sold, make_user):
    sold()  # team North, Monday to Friday 08:00-17:00 Stockholm time, no rota
    admin = admin_client(app, make_user)

    answer = preview(admin, ticked_business_hours=False)
    assert answer["ok"]
    [warning] = answer["warnings"]
    assert warning.startswith("North does not work round the clock: their cases count business")
    # The case of the issue: opened on a Sunday at 01:41, due on Monday morning, not at 03:41.
    night = [line for line in answer["lines"] if ", at night:" in line]
    assert len(night) == 1
    assert "Opened Sun" in night[0] and "01:41, at night: first contact by Mon" in night[0]
    assert "10:00" in night[0]
    page = admin.get("/admin/sla").get_data(as_text=True)
    assert "North does not work round the clock" in page  # critical is wall-clock by default

    north = db.session.scalar(sa.select(Team).where(Team.name == "North"))
    north.round_the_clock = True
    db.session.commit()
    answer = preview(admin, ticked_business_hours=False)
    assert answer["warnings"] == []
    [night] = [line for line in answer["lines"] if ", at night:" in line]
    assert "01:41, at night: first contact by Sun" in night and "03:41" in night

    assert preview(admin, ticked_business_hours=True)["warnings"] == []
