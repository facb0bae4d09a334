"""The manager's dashboard, scorecards, goals, coaching notes, drill-down and CSV exports."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.metrics.periods import period_of
from portal.metrics.rollup import rebuild
from portal.models import Case, CoachingNote, Customer, Goal, utcnow

from ..conftest import submit


@pytest.fixture
def org(make_team, make_user):
    manager = make_user("manager", name="Maja Manager")
    north = make_team("North", lead=manager)
    ann = make_user(team=north, name="Ann North")
    ben = make_user(team=north, name="Ben North")
    other_manager = make_user("manager", name="Otto Other")
    south = make_team("South", lead=other_manager)
    sol = make_user(team=south, name="Sol South")
    admin = make_user("admin", name="Ada Admin")
    return {
        "manager": manager,
        "north": north,
        "ann": ann,
        "ben": ben,
        "other_manager": other_manager,
        "south": south,
        "sol": sol,
        "admin": admin,
    }


_customers = iter(range(1, 100_000))


def open_case(rep, *, age_hours: float, contacted: bool = False, due_in_hours: float = 4, **kw):
    now = utcnow()
    created = now - timedelta(hours=age_hours)
    case = Case(
        source="survey",
        customer=Customer(email=f"c{next(_customers)}@example.org", name=kw.pop("name", "Cust")),
        assigned_rep_id=rep.id,
        severity="high",
        status="contacted" if contacted else "open",
        created_at=created,
        first_contact_due=created + timedelta(hours=due_in_hours),
        first_contact_at=created + timedelta(hours=1) if contacted else None,
        resolve_due=created + timedelta(days=2),
        **kw,
    )
    db.session.add(case)
    db.session.commit()
    return case


def log_out(client) -> None:
    submit(client, "/logout", {}, page="/home")


def case_ids(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/cases/(\d+)"', html)}


def test_reps_cannot_open_the_dashboard_and_see_only_their_own_scorecard(client, login, org):
    login(org["ann"])
    assert client.get("/performance/").status_code == 403
    assert client.get(f"/performance/reps/{org['ann'].id}").status_code == 200
    assert client.get(f"/performance/reps/{org['ben'].id}").status_code == 404
    assert client.get(f"/performance/reps/{org['sol'].id}").status_code == 404


def test_managers_see_their_teams_reps_only(client, login, org):
    login(org["manager"])
    page = client.get("/performance/").get_data(as_text=True)
    assert "Ann North" in page and "Ben North" in page and "Sol South" not in page
    assert client.get(f"/performance/reps/{org['ann'].id}").status_code == 200
    assert client.get(f"/performance/reps/{org['sol'].id}").status_code == 404
    assert client.get(f"/performance/?team={org['south'].id}").status_code == 404


def test_damage_control_counts_and_their_drill_down(client, login, org):
    fresh = open_case(org["ann"], age_hours=2)  # not contacted, not yet due
    late = open_case(org["ann"], age_hours=30, due_in_hours=4)  # first contact overdue
    old = open_case(org["ben"], age_hours=24 * 9, contacted=True)  # resolution overdue
    open_case(org["sol"], age_hours=50)  # the other team's
    login(org["manager"])
    page = client.get("/performance/").get_data(as_text=True)
    assert re.search(r"Open cases</p>\s*<p[^>]*><a href=\"[^\"]*figure=open[^\"]*\">3</a>", page)
    listed = client.get(
        f"/performance/cases?figure=first_contact_overdue&team={org['north'].id}"
    ).get_data(as_text=True)
    assert case_ids(listed) == {late.id}
    assert case_ids(client.get("/performance/cases?figure=uncontacted").get_data(as_text=True)) == {
        fresh.id,
        late.id,
    }
    assert case_ids(client.get("/performance/cases?figure=age_7").get_data(as_text=True)) == {
        old.id
    }
    # The longest-waiting customer is named with their case.
    assert f"/cases/{late.id}" in page


def march_case(rep, day: int, contact_after_hours: float | None, **kw):
    """A high case opened on a Saturday in March 2026 (clock hours then count no business
    hours, so use critical: wall clock), first contact due after 2 hours."""
    created = datetime(2026, 3, day, 10, 0, tzinfo=UTC)
    case = Case(
        source="survey",
        customer=Customer(email=f"m{next(_customers)}@example.org", name="March customer"),
        assigned_rep_id=rep.id,
        severity="critical",
        status="contacted" if contact_after_hours is not None else "open",
        created_at=created,
        first_contact_due=created + timedelta(hours=2),
        first_contact_at=None
        if contact_after_hours is None
        else created + timedelta(hours=contact_after_hours),
        resolve_due=created + timedelta(days=1),
        **kw,
    )
    db.session.add(case)
    db.session.commit()
    return case


MARCH = "period=month&start=2026-03-01"


def test_period_figures_open_the_cases_the_metric_counted(client, login, org):
    on_time = march_case(org["ann"], 2, 1)
    late = march_case(org["ann"], 3, 5)
    never = march_case(org["ann"], 4, None)
    march_case(org["sol"], 5, None)  # another team
    rebuild(utcnow())
    login(org["manager"])
    rep = f"rep={org['ann'].id}"
    missed = client.get(f"/performance/cases?figure=first_contact_missed&{rep}&{MARCH}")
    assert case_ids(missed.get_data(as_text=True)) == {late.id, never.id}
    met = client.get(f"/performance/cases?figure=first_contact_met&{rep}&{MARCH}")
    assert case_ids(met.get_data(as_text=True)) == {on_time.id}
    # The dashboard's figure is the same count: 1 of 3 on time.
    board = client.get(f"/performance/?{MARCH}").get_data(as_text=True)
    assert "33.3%" in board
    # Without a rep, the manager's drill-down covers their team, not the other one.
    team = client.get(f"/performance/cases?figure=opened&{MARCH}").get_data(as_text=True)
    assert case_ids(team) == {on_time.id, late.id, never.id}


def test_a_bad_filter_says_what_to_fix(client, login, org):
    login(org["manager"])
    response = client.get("/performance/?period=year")
    assert response.status_code == 400
    assert "period must be one of week, month, quarter" in response.get_data(as_text=True)
    response = client.get("/performance/?start=31-12-2026")
    assert "start must be a date like 2026-11-01" in response.get_data(as_text=True)
    response = client.get("/performance/cases?figure=everything")
    assert response.status_code == 400 and "figure must be one of" in response.get_data(True)


def test_a_manager_sets_a_goal_and_the_scorecard_shows_its_progress(client, login, org):
    login(org["manager"])
    start = utcnow().date().isoformat()
    response = submit(
        client,
        "/performance/goals",
        {
            "subject": f"rep:{org['ann'].id}",
            "metric": "csat",
            "target": "90",
            "period": "month",
            "start": start,
        },
    )
    assert response.status_code == 302
    goal = db.session.query(Goal).one()
    assert goal.target == pytest.approx(0.9) and goal.rep_id == org["ann"].id
    log_out(client)
    login(org["ann"])
    card = client.get(f"/performance/reps/{org['ann'].id}").get_data(as_text=True)
    assert "CSAT at least 90%" in card and "No figure yet" in card


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "150"}, "A percentage target must be between 0 and 100."),
        ({"target": ""}, "Enter the target as a number"),
        ({"target": "NaN"}, "Enter the target as a number"),
        ({"metric": "revenue"}, "Not a valid choice"),
        ({"subject": "rep:SOL"}, "Not a valid choice"),
    ],
)
def test_goal_input_errors_name_what_to_fix(client, login, org, fields, message):
    login(org["manager"])
    data = {
        "subject": f"rep:{org['ann'].id}",
        "metric": "csat",
        "target": "90",
        "period": "month",
        "start": "2026-11-01",
    }
    data.update(fields)
    if data["subject"] == "rep:SOL":
        data["subject"] = f"rep:{org['sol'].id}"  # another manager's rep: not offered
    response = submit(client, "/performance/goals", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.query(Goal).count() == 0


def test_coaching_notes_are_written_by_managers_and_read_by_the_rep(client, login, org):
    login(org["manager"])
    url = f"/performance/reps/{org['ann'].id}/notes"
    page = f"/performance/reps/{org['ann'].id}"
    response = submit(client, url, {"text": "Call <b>back</b> before noon."}, page=page)
    assert response.status_code == 302
    log_out(client)
    login(org["ann"])
    card = client.get(page).get_data(as_text=True)
    assert "Call &lt;b&gt;back&lt;/b&gt; before noon." in card  # escaped
    assert "Maja Manager" in card
    assert '/notes"' not in card  # reps get no note form
    assert client.post(url, data={"text": "self praise"}).status_code in (400, 403)
    assert db.session.query(CoachingNote).count() == 1


def test_another_teams_manager_cannot_write_notes(client, login, org):
    login(org["other_manager"])
    own = f"/performance/reps/{org['sol'].id}"
    html = client.get(own).get_data(as_text=True)
    from ..conftest import csrf_from

    response = client.post(
        f"/performance/reps/{org['ann'].id}/notes",
        data={"csrf_token": csrf_from(html), "text": "Not my rep"},
    )
    assert response.status_code == 404
    assert db.session.query(CoachingNote).count() == 0


def test_the_case_export_has_one_row_per_case_in_scope(client, login, org):
    late = march_case(org["ann"], 3, 5, satisfaction_before=2)
    march_case(org["sol"], 3, 1)
    login(org["manager"])
    response = client.get(f"/performance/export/cases.csv?{MARCH}")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [int(r["case_id"]) for r in rows] == [late.id]
    row = rows[0]
    assert (row["rep"], row["team"]) == ("Ann North", "North")
    assert float(row["first_contact_hours"]) == pytest.approx(5.0)  # critical: clock hours
    assert row["first_contact_on_time"] == "no"
    assert row["satisfaction_before"] == "2" and row["satisfaction_after"] == ""
    assert set(row) >= {"resolution_hours", "outcome", "resolved_on_time"}


def test_the_rep_period_export_has_one_row_per_rep_and_period(client, login, org, make_sale):
    make_sale(org["ann"])
    make_sale(org["ann"])
    make_sale(org["sol"])
    rebuild(utcnow())
    login(org["manager"])
    text = client.get("/performance/export/reps.csv?period=month").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(r["rep"], r["sales_count"]) for r in rows] == [("Ann North", "2")]
    assert rows[0]["period"] == period_of("month", utcnow()).label


def test_exports_quote_cells_a_spreadsheet_would_run(client, login, org, make_user, make_sale):
    sly = make_user(team=org["north"], name="=HYPERLINK(evil)")
    make_sale(sly)
    rebuild(utcnow())
    login(org["manager"])
    text = client.get("/performance/export/reps.csv").get_data(as_text=True)
    assert "'=HYPERLINK(evil)" in text


def test_a_rep_sees_their_place_on_the_leaderboard_but_not_teammates_names(
    client, login, org, make_sale
):
    make_sale(org["ann"])
    make_sale(org["ben"])
    make_sale(org["ben"])
    rebuild(utcnow())
    login(org["ann"])
    card = client.get(f"/performance/reps/{org['ann'].id}?rank=sales_count").get_data(True)
    assert "Place 2 of 2" in card
    assert "Ben North" not in card and "A teammate" in card
    log_out(client)
    login(org["manager"])
    card = client.get(f"/performance/reps/{org['ann'].id}?rank=sales_count").get_data(True)
    assert "Ben North" in card


def test_a_reps_drill_down_lists_only_their_own_cases(client, login, org):
    mine = open_case(org["ann"], age_hours=5)
    open_case(org["ben"], age_hours=5)
    login(org["ann"])
    html = client.get(f"/performance/cases?figure=open&rep={org['ben'].id}").get_data(True)
    assert case_ids(html) == {mine.id}


def test_a_long_drill_down_comes_in_pages_of_50(client, login, org):
    made = {open_case(org["ann"], age_hours=1 + n).id for n in range(53)}
    login(org["manager"])
    first = client.get("/performance/cases?figure=open").get_data(as_text=True)
    second = client.get("/performance/cases?figure=open&page=2").get_data(as_text=True)
    assert "53 cases, page 1 of 2" in first
    assert len(case_ids(first)) == 50 and len(case_ids(second)) == 3
    assert case_ids(first) | case_ids(second) == made
    assert "figure=open&amp;page=2" in first  # the pager keeps the filter
