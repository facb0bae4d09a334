"""A seller on their own: set up by one command or the first-run page (then closed for good),
one account that sells, sees its own figures and check-ins, with no team pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Team, User, utcnow
from portal.services.sales.file_import import import_sales

from ..conftest import csrf_from

FORM = {
    "name": "Sofia Solo",
    "email": "sofia@example.org",
    "password": "a long secret",
    "confirm": "a long secret",
}


def test_the_first_run_page_makes_the_one_account_then_is_gone(client):
    assert client.get("/").headers["Location"].endswith("/setup")
    page = client.get("/setup").get_data(as_text=True)
    bad = client.post("/setup", data={**FORM, "confirm": "other", "csrf_token": csrf_from(page)})
    assert bad.status_code == 422 and "The two passwords differ" in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    no_token = client.post("/setup", data=FORM)
    assert no_token.status_code in (400, 422)  # CSRF: refused
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0
    done = client.post("/setup", data={**FORM, "csrf_token": csrf_from(page)})
    assert done.status_code == 302
    user = db.session.scalars(sa.select(User)).one()
    assert (user.role, user.team.name, user.team.lead_id) == ("admin", "Sofia Solo", user.id)
    home = client.get("/home").get_data(as_text=True)  # logged in at once
    assert "Sofia Solo" in home
    assert client.get("/setup").status_code == 404
    assert client.post("/setup", data={**FORM, "csrf_token": csrf_from(page)}).status_code == 404


def test_create_solo_command_and_refusal_once_anyone_exists(app, runner):
    result = runner.invoke(
        args=[
            "portal",
            "create-solo",
            "--email",
            "sofia@example.org",
            "--name",
            "Sofia Solo",
            "--password",
            "a long secret",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "rep, manager and admin" in result.output
    assert db.session.scalar(sa.select(sa.func.count(Team.id))) == 1
    again = runner.invoke(
        args=[
            "portal",
            "create-solo",
            "--email",
            "b@example.org",
            "--name",
            "B",
            "--password",
            "a long secret",
        ]
    )
    assert again.exit_code != 0 and "already has users" in again.output


def test_short_password_is_refused_with_what_to_fix(app, runner):
    result = runner.invoke(
        args=[
            "portal",
            "create-solo",
            "--email",
            "s@example.org",
            "--name",
            "S",
            "--password",
            "short",
        ]
    )
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_a_solo_seller_sells_and_sees_their_own_pages_without_team_ones(client, login, runner):
    runner.invoke(
        args=[
            "portal",
            "create-solo",
            "--email",
            "sofia@example.org",
            "--name",
            "Sofia Solo",
            "--password",
            "a long secret",
        ]
    )
    sold = (utcnow() - timedelta(days=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    csv = (
        "order_ref,sold_at,customer_email,customer_name,rep_email,amount,currency,product\n"
        f"S-1,{sold},big@x.org,Bertil Big,sofia@example.org,30000,SEK,Sauna\n"
    )
    report = import_sales(StringIO(csv))
    assert report.imported == 1, report
    user = db.session.scalars(sa.select(User)).one()
    login(user, password="a long secret")
    nav = client.get("/home").get_data(as_text=True)
    assert "Keep in touch" in nav and "My scorecard" in nav
    assert ">Teams<" not in nav and "Triage" not in nav and ">Dashboard<" not in nav
    # The dashboard is their own scorecard, with no team to compare.
    board = client.get("/performance/", follow_redirects=True)
    html = board.get_data(as_text=True)
    assert board.status_code == 200 and "My scorecard" in html
    assert "Team leaderboard" not in html
    # Their large sale puts the customer on their check-in list.
    assert "Bertil Big" in client.get("/checkins").get_data(as_text=True)
    assert Decimal("30000") == db.session.scalar(sa.text("SELECT amount FROM sales")) / 100
