"""The queue: a rep's open cases nearest deadline first with the time left; filters, search,
the open count, CSV; a manager's team queue with bulk assignment."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest

from portal.extensions import db
from portal.models import utcnow

from ..conftest import csrf_from
from .case_helpers import events, make_case, reload


@pytest.fixture
def olle(make_user, team):
    return make_user("rep", team=team, name="Olle Other", email="olle@example.com")


def _queue_ids(html: str) -> list[int]:
    """Case numbers in the order the queue shows them."""
    return [
        int(n) for n in re.findall(r'<a class="fw-semibold word-break" href="/cases/(\d+)"', html)
    ]


def test_the_queue_puts_the_nearest_deadline_first_and_shows_time_left(client, login, rita):
    now = utcnow()
    later = make_case(
        rita, subject="Later", first_contact_due=now + timedelta(hours=20, minutes=30)
    )
    overdue = make_case(rita, subject="Late", first_contact_due=now - timedelta(hours=3))
    # Contacted: what counts now is the resolve deadline, not the first-contact one.
    contacted = make_case(
        rita,
        subject="Contacted",
        status="contacted",
        first_contact_at=now - timedelta(hours=1),
        first_contact_due=now - timedelta(days=9),
        resolve_due=now + timedelta(hours=5, minutes=30),
    )
    make_case(rita, subject="Done", status="resolved", resolved_at=now)
    login(rita)
    html = client.get("/cases/").text
    assert _queue_ids(html) == [overdue.id, contacted.id, later.id]
    assert "3 cases" in html
    assert "h overdue" not in html  # not "Overdue 3 h overdue"
    assert (
        '<span class="badge badge-overdue">Overdue</span> <span class="text-overdue">by 3 h</span>'
        in html
    )
    assert "in 5 h" in html and "Resolve by" in html
    assert "in 20 h" in html and "First contact by" in html
    assert "Survey answer" in html  # the source
    assert "Normal" in html  # the severity


def test_filters_by_status_severity_and_overdue(client, login, rita):
    now = utcnow()
    high = make_case(rita, severity="high", subject="High one")
    late = make_case(rita, subject="Late one", first_contact_due=now - timedelta(hours=1))
    done = make_case(rita, status="closed", subject="Closed one", closed_at=now)
    login(rita)
    assert _queue_ids(client.get("/cases/?severity=high").text) == [high.id]
    assert _queue_ids(client.get("/cases/?overdue=y").text) == [late.id]
    assert _queue_ids(client.get("/cases/?status=closed").text) == [done.id]
    assert sorted(_queue_ids(client.get("/cases/?status=all").text)) == sorted(
        [high.id, late.id, done.id]
    )


@pytest.mark.parametrize(
    "query",
    ["Greta", "greta.garbo", "ORD-", "#{id}", "Wobbly"],
)
def test_search_finds_by_customer_order_number_and_subject(client, login, rita, query):
    wanted = make_case(rita, customer_name="Greta Garbo", subject="Wobbly table")
    make_case(rita, customer_name="Other Person", subject="Scratch")
    login(rita)
    q = query.format(id=wanted.id)
    ids = _queue_ids(client.get("/cases/", query_string={"q": q}).text)
    if q == "ORD-":
        assert wanted.id in ids  # every order number matches
    else:
        assert ids == [wanted.id]


def test_search_text_is_text_not_a_pattern(client, login, rita):
    make_case(rita, customer_name="Percy Cent")
    login(rita)
    html = client.get("/cases/", query_string={"q": "%"}).text
    assert "No case matches" in html


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"status": "lost"}, "Choose a status from the list."),
        ({"severity": "apocalyptic"}, "Choose a severity from the list."),
        ({"q": "x" * 101}, "Keep the search to 100 characters."),
    ],
)
def test_a_bad_filter_is_named_and_the_rest_still_apply(client, login, rita, args, message):
    case = make_case(rita)
    login(rita)
    response = client.get("/cases/", query_string=args)
    assert response.status_code == 400
    assert message in response.text
    if "q" not in args:
        assert _queue_ids(response.text) == [case.id]
    export = client.get("/cases/export.csv", query_string=args)
    assert export.status_code == 400 and message in export.text


def test_the_navigation_counts_open_cases(client, login, rita, olle):
    make_case(rita)
    make_case(rita, status="contacted", first_contact_at=utcnow())
    make_case(rita, status="resolved", resolved_at=utcnow())
    make_case(olle)
    login(rita)
    html = client.get("/home").text
    assert (
        '<span class="badge nav-count nav-count-open">2<span class="visually-hidden"> open cases'
        in html
    )


def test_the_csv_export_follows_the_filters_and_is_safe_in_a_spreadsheet(client, login, rita):
    case = make_case(rita, customer_name="=cmd|calc", severity="critical")
    make_case(rita, severity="low")
    login(rita)
    response = client.get("/cases/export.csv?severity=critical")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [int(r["case_id"]) for r in rows] == [case.id]
    assert rows[0]["customer"] == "'=cmd|calc"
    assert rows[0]["next_deadline"] == "first_contact" and rows[0]["overdue"] == "no"


def test_a_manager_assigns_several_cases_from_the_team_queue(
    client, login, rita, olle, team, run_jobs, outbox
):
    first, second = make_case(rita), make_case(rita)
    keep = make_case(rita)
    login(team.lead)
    page = client.get("/cases/").text
    assert f'value="{first.id}:{first.version}"' in page
    response = client.post(
        "/cases/assign",
        data={
            "csrf_token": csrf_from(page),
            "cases": [f"{first.id}:{first.version}", f"{second.id}:{second.version}"],
            "assignee": olle.id,
            "reason": "Rita is on holiday",
        },
    )
    assert response.status_code == 302
    run_jobs()
    assert f"Olle Other now has #{first.id}, #{second.id}" in client.get("/cases/").text
    for case in (first, second):
        assert reload(case).assigned_rep_id == olle.id
        [event] = events(case, "assigned")
        assert event.actor_id == team.lead.id
        assert (
            event.message
            == "Reassigned from Rita Rep to Olle Other by Maja Manager: Rita is on holiday"
        )
    assert reload(keep).assigned_rep_id == rita.id
    assert len([m for m in outbox() if m["To"] == olle.email]) == 2


def test_a_bulk_assignment_with_a_changed_case_assigns_none(client, login, rita, olle, team):
    first, second = make_case(rita), make_case(rita)
    login(team.lead)
    page = client.get("/cases/").text
    second.severity = "high"  # someone changes it meanwhile
    db.session.commit()
    response = client.post(
        "/cases/assign",
        data={
            "csrf_token": csrf_from(page),
            "cases": [f"{first.id}:{first.version}", f"{second.id}:1"],
            "assignee": olle.id,
            "reason": "Balance",
        },
        follow_redirects=True,
    )
    assert f"Case #{second.id} was changed by someone else" in response.text
    assert reload(first).assigned_rep_id == rita.id


def test_the_manager_filters_the_team_queue_by_person_and_triage(client, login, rita, olle, team):
    mine, theirs, nobody = make_case(rita), make_case(olle), make_case(None)
    login(team.lead)
    assert _queue_ids(client.get(f"/cases/?rep={olle.id}").text) == [theirs.id]
    assert _queue_ids(client.get("/cases/?rep=triage").text) == [nobody.id]
    assert sorted(_queue_ids(client.get("/cases/").text)) == sorted([mine.id, theirs.id, nobody.id])


def test_a_rep_sees_no_bulk_assignment_and_no_person_filter(client, login, rita):
    make_case(rita)
    login(rita)
    html = client.get("/cases/").text
    assert 'name="cases"' not in html and 'name="rep"' not in html
    assert "My queue" in html


@pytest.mark.parametrize("who", ["rep", "manager"])
@pytest.mark.parametrize("url", ["/cases/", "/cases/?q=x&status=all&overdue=y"])
def test_the_queue_is_csp_clean(client, login, rita, team, url, who):
    from tests.system.test_pages import assert_local_and_csp_clean

    case = make_case(rita)
    login(rita if who == "rep" else team.lead)
    assert_local_and_csp_clean(client, url)
    assert_local_and_csp_clean(client, f"/cases/{case.id}")
