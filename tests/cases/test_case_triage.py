"""What staff do to a case by hand: correct the label, change the severity, assign it; the
triage queue and the list of label corrections. Cases are opened the real way: a customer's
survey answer, analysed by the job."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from portal.csv_export import csv_cell
from portal.extensions import db
from portal.jobs.triage import analyse_complaint
from portal.models import (
    Case,
    CaseEvent,
    Complaint,
    Customer,
    SentimentCorrection,
    SlaPolicy,
    SurveyResponse,
    utcnow,
)
from portal.services.cases import assignment, labels
from portal.services.cases import rules as case_rules
from portal.services.cases import severity as severity_rules
from portal.services.setup import ensure_sla_policies

from ..conftest import csrf_from

ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."


# --- fixtures: a team, and answers that open cases ------------------------------------------


@pytest.fixture
def answered(make_user, team, answer_survey):
    """A new customer's answer on the survey page, about a sale by a new rep of North."""

    def submit_answer(satisfaction="1", comment=ANGRY, rep=None):
        rep = rep or make_user("rep", team=team)
        customer = Customer(email=f"c{rep.id}-{utcnow().timestamp()}@example.org", name="Carl Kund")
        return answer_survey(rep, customer, satisfaction, comment)

    return submit_answer


@pytest.fixture
def open_case(answered, run_jobs):
    """A case opened by a negative survey answer, analysed by the real job."""

    def make(**answer) -> Case:
        invitation = answered(**answer)
        run_jobs()
        db.session.expire_all()
        return db.session.scalar(sa.select(Case).where(Case.response_id == invitation.response.id))

    return make


@pytest.fixture
def triage_case(open_case, make_user):
    """A case nobody could be given: the rep who sold has left, with no team or stand-in."""

    def make() -> Case:
        case = open_case(rep=make_user("rep", name="Lone Rep", active=False))
        assert case.assigned_rep_id is None
        return case

    return make


@pytest.fixture
def south(make_team, make_user):
    """Another team: its manager and its rep see nothing of North's cases."""
    boss = make_user("manager", name="Sven South")
    team = make_team("South", lead=boss)
    boss.team = team
    db.session.commit()
    return {"manager": boss, "rep": make_user("rep", team=team, name="Sam South")}


def hidden_fields(html: str, prefix: str) -> dict:
    """The hidden inputs of a prefixed form (its case version and last seen event)."""
    pattern = rf'id="{prefix}-(version|seen)" name="{prefix}-\1" type="hidden" value="([^"]*)"'
    return {f"{prefix}-{name}": value for name, value in re.findall(pattern, html)}


def post_form(client, url: str, prefix: str | None, data: dict, page: str | None = None):
    """Open the page like a browser (for its CSRF token and the hidden fields of the form),
    then send one of its forms."""
    html = client.get(page or url).get_data(as_text=True)
    key = (lambda name: f"{prefix}-{name}") if prefix else (lambda name: name)
    fields = {key(name): value for name, value in data.items()}
    hidden = hidden_fields(html, prefix) if prefix else {}
    return client.post(url, data={key("csrf_token"): csrf_from(html), **hidden, **fields})


def case_events(case_id: int, kind: str) -> list[CaseEvent]:
    return list(
        db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
            .order_by(CaseEvent.id)
        )
    )


def reload(case: Case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def mails_to(outbox, address: str) -> list:
    return [m for m in outbox() if m["To"] == address]


# --- who may use each page ------------------------------------------------------------------

CASE_PAGES = [  # (method, path, prefix of its form)
    ("GET", "/cases/{id}", None),
    ("POST", "/cases/{id}/label", "label"),
    ("POST", "/cases/{id}/severity", "severity"),
    ("POST", "/cases/{id}/assign", "assign"),
]
MANAGER_PAGES = [
    ("GET", "/cases/triage", None),
    ("POST", "/cases/triage", None),
    ("GET", "/cases/corrections", None),
    ("GET", "/cases/corrections.csv", None),
]


def _request(client, method: str, url: str, prefix: str | None):
    if method == "GET":
        return client.get(url)
    # A real CSRF token, so that what answers is the access rule, not the CSRF check.
    token = csrf_from(client.get("/login", follow_redirects=True).get_data(as_text=True))
    return client.post(url, data={f"{prefix}-csrf_token" if prefix else "csrf_token": token})


@pytest.mark.parametrize(("method", "path", "prefix"), CASE_PAGES + MANAGER_PAGES)
def test_the_anonymous_visitor_is_sent_to_log_in(client, open_case, rita, method, path, prefix):
    case = open_case(rep=rita)
    response = _request(client, method, path.format(id=case.id), prefix)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


@pytest.mark.parametrize(("method", "path", "prefix"), CASE_PAGES)
@pytest.mark.parametrize("who", ["other_rep", "south_rep", "south_manager"])
def test_a_case_outside_ones_scope_does_not_exist(
    client, login, open_case, rita, make_user, team, south, who, method, path, prefix
):
    case = open_case(rep=rita)
    user = {
        "other_rep": make_user("rep", team=team, name="Olle Other"),
        "south_rep": south["rep"],
        "south_manager": south["manager"],
    }[who]
    login(user)
    response = _request(client, method, path.format(id=case.id), prefix)
    expected = 403 if user.is_rep and path.endswith(("severity", "assign")) else 404
    assert response.status_code == expected
    assert reload(case).version == case.version  # nothing changed


@pytest.mark.parametrize(("method", "path", "prefix"), MANAGER_PAGES)
def test_reps_may_not_use_the_manager_pages(client, login, rita, method, path, prefix):
    login(rita)
    assert _request(client, method, path, prefix).status_code == 403


def test_a_rep_sees_and_corrects_their_own_case_but_no_manager_forms(
    client, login, open_case, rita
):
    case = open_case(rep=rita)
    login(rita)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Correct the label" in html
    assert "Change severity" not in html and 'name="assign-assignee"' not in html
    assert 'href="/cases/triage"' not in html


def test_a_rep_cannot_assign_or_change_severity(client, login, open_case, rita, make_user, team):
    case = open_case(rep=rita)
    olle = make_user("rep", team=team, name="Olle Other")
    login(rita)
    token = csrf_from(client.get(f"/cases/{case.id}").get_data(as_text=True))
    response = client.post(
        f"/cases/{case.id}/assign",
        data={
            "assign-csrf_token": token,
            "assign-assignee": olle.id,
            "assign-reason": "Mine no more",
            "assign-version": case.version,
        },
    )
    assert response.status_code == 403
    response = client.post(
        "/cases/triage",
        data={"csrf_token": token, "cases": f"{case.id}:{case.version}", "assignee": olle.id},
    )
    assert response.status_code == 403
    assert reload(case).assigned_rep_id == rita.id
    assert case_events(case.id, "assigned")[-1].actor_id is None  # only triage's own


# --- correcting the label -------------------------------------------------------------------


def test_a_correction_keeps_the_evidence_changes_the_label_and_clears_review(
    client, login, open_case, rita, team
):
    case = open_case(rep=rita)
    response_row = db.session.get(SurveyResponse, case.response_id)
    assert response_row.sentiment_label == "negative"
    reasons = list(response_row.sentiment_reasons)
    assert reasons
    case.needs_review = True
    db.session.commit()

    login(rita)
    answer = post_form(
        client,
        f"/cases/{case.id}/label",
        "label",
        {"label": "neutral", "note": "=HYPERLINK(evil) they asked a question"},
        page=f"/cases/{case.id}",
    )
    assert answer.status_code == 302

    [correction] = db.session.scalars(sa.select(SentimentCorrection)).all()
    assert correction.case_id == case.id
    assert correction.text == ANGRY
    assert correction.original_label == "negative"
    assert correction.original_reasons == reasons
    assert correction.corrected_label == "neutral"
    assert correction.corrected_by_id == rita.id
    assert correction.created_at is not None
    db.session.expire_all()
    assert db.session.get(SurveyResponse, case.response_id).sentiment_label == "neutral"
    assert reload(case).needs_review is False
    [event] = case_events(case.id, "label_corrected")
    assert event.message == (
        "Label corrected from negative to neutral by Rita Rep: "
        "=HYPERLINK(evil) they asked a question"
    )
    assert event.actor_id == rita.id

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "The label is now neutral" in page
    assert "Corrected from negative by Rita Rep" in page
    assert "Needs review" not in page


def test_corrections_are_listed_and_downloaded_safely(client, login, open_case, rita, team):
    case = open_case(rep=rita)
    login(rita)
    post_form(
        client,
        f"/cases/{case.id}/label",
        "label",
        {"label": "positive", "note": "=1+2 sarcasm missed"},
        page=f"/cases/{case.id}",
    )
    client.post("/logout", data={"csrf_token": csrf_from(client.get("/home").text)})

    login(team.lead)
    html = client.get("/cases/corrections").get_data(as_text=True)
    assert "1 correction" in html
    assert "Still waiting for my refund" in html
    assert "Rita Rep" in html
    assert f'href="/cases/{case.id}"' in html
    assert "Negative</span>" in html and "Positive</span>" in html
    assert 'href="/cases/corrections.csv"' in html

    download = client.get("/cases/corrections.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    header, row = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    cells = dict(zip(header, row, strict=True))
    assert cells["case_id"] == str(case.id)
    assert cells["text"] == ANGRY
    assert cells["original_label"] == "negative" and cells["corrected_label"] == "positive"
    assert cells["note"] == "'=1+2 sarcasm missed"  # never run as a formula
    assert cells["corrected_by"] == "Rita Rep"
    assert cells["original_reasons"]


def test_another_teams_manager_sees_none_of_the_corrections(client, login, open_case, rita, south):
    case = open_case(rep=rita)
    labels.correct_label(case, rita, "neutral", None, case.version, utcnow())
    login(south["manager"])
    assert "No corrections yet" in client.get("/cases/corrections").get_data(as_text=True)
    lines = client.get("/cases/corrections.csv").get_data(as_text=True).splitlines()
    assert len(lines) == 1  # the header only


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("ok", "ok")],
)
def test_csv_cells_that_a_spreadsheet_would_run_are_prefixed(cell, expected):
    assert csv_cell(cell) == expected


def test_correcting_to_the_same_label_is_refused(client, login, open_case, rita):
    case = open_case(rep=rita)
    login(rita)
    response = post_form(
        client, f"/cases/{case.id}/label", "label", {"label": "negative"}, page=f"/cases/{case.id}"
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The label is already negative. Choose a different label to correct it." in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SentimentCorrection)) == 0
    assert case_events(case.id, "label_corrected") == []


def test_a_complaint_case_is_corrected_on_the_complaint(client, login, make_user, team):
    ensure_sla_policies()
    complaint = Complaint(
        email="kim@example.org",
        name="Kim Kund",
        category="delivery",
        description="The sofa never arrived and nobody answers the phone.",
        confirmed_at=utcnow(),
    )
    db.session.add(complaint)
    db.session.commit()
    analyse_complaint(complaint.id)
    db.session.expire_all()
    case = db.session.scalar(sa.select(Case).where(Case.complaint_id == complaint.id))
    before = db.session.get(Complaint, complaint.id).sentiment_label

    login(team.lead)  # a triage case: the manager sees it
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Analysis" in page and "Why" in page
    other = "neutral" if before != "neutral" else "positive"
    post_form(client, f"/cases/{case.id}/label", "label", {"label": other}, f"/cases/{case.id}")
    db.session.expire_all()
    correction = db.session.scalar(sa.select(SentimentCorrection))
    assert correction.text == complaint.description
    assert correction.original_label == before
    assert db.session.get(Complaint, complaint.id).sentiment_label == other


def test_the_case_page_shows_the_analysis(client, login, open_case, rita):
    case = open_case(rep=rita, satisfaction="5")  # happy rating, angry words: mixed
    response_row = db.session.get(SurveyResponse, case.response_id)
    assert "mixed" in response_row.sentiment_flags
    login(rita)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Negative</span>" in html
    assert f"{response_row.sentiment_polarity:+.2f}" in html
    assert "Mixed signals" in html
    # each reason a tag, the customer's own words in it quoted in their language
    quoted = '<q class="customer-words" lang="en">\\1</q>'
    for reason in response_row.sentiment_reasons:
        assert "<li>" + re.sub(r'"([^"]+)"', quoted, reason) + "</li>" in html
    assert any('"' in reason for reason in response_row.sentiment_reasons)
    assert ("Needs review" in html) is case.needs_review


# --- severity -------------------------------------------------------------------------------

MONDAY_0900_UTC = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # 10:00 in Stockholm (CET)


def _fixed_sla() -> None:
    high = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.severity == "high"))
    high.first_contact_amount, high.first_contact_unit = 4, "hours"
    high.resolve_amount, high.resolve_unit = 2, "days"
    high.business_hours = True
    db.session.commit()


@pytest.mark.parametrize(
    ("timezone", "first_contact_due", "resolve_due"),
    [
        # 4 business hours from Monday 10:00 in Stockholm: 14:00 (13:00 UTC). Two working
        # days of 9 hours: the rest of Monday (7 h), Tuesday (9 h), Wednesday until 10:00.
        (
            "Europe/Stockholm",
            datetime(2025, 3, 3, 13, 0, tzinfo=UTC),
            datetime(2025, 3, 5, 9, 0, tzinfo=UTC),
        ),
        # 04:00 in New York: the count starts at 08:00 (13:00 UTC); two days end Tuesday 17:00.
        (
            "America/New_York",
            datetime(2025, 3, 3, 17, 0, tzinfo=UTC),
            datetime(2025, 3, 4, 22, 0, tzinfo=UTC),
        ),
    ],
)
def test_changing_severity_recomputes_both_deadlines_and_writes_the_event(
    client, login, open_case, rita, team, timezone, first_contact_due, resolve_due
):
    _fixed_sla()
    team.timezone = timezone  # the assigned rep's team calendar counts
    case = open_case(rep=rita, satisfaction="2", comment="It works, I suppose.")
    case.created_at = MONDAY_0900_UTC
    case.severity = "normal"
    db.session.commit()

    login(team.lead)
    response = post_form(
        client,
        f"/cases/{case.id}/severity",
        "severity",
        {"severity": "high", "reason": "Key account", "version": case.version},
        page=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    case = reload(case)
    assert case.severity == "high"
    assert case.first_contact_due == first_contact_due
    assert case.resolve_due == resolve_due
    [event] = case_events(case.id, "severity_changed")
    assert event.actor_id == team.lead.id
    assert "from normal to high by Maja Manager: Key account." in event.message
    assert (
        f"First contact by {first_contact_due:%Y-%m-%d %H:%M} UTC, "
        f"resolve by {resolve_due:%Y-%m-%d %H:%M} UTC" in event.message
    )
    assert event.data["reason"] == "Key account"


def test_a_breach_the_new_deadline_no_longer_makes_is_lifted(app, open_case, rita, team):
    case = open_case(rep=rita)  # high: 4 business hours
    now = utcnow()
    case.created_at = now - timedelta(hours=3)
    case.first_contact_due = now - timedelta(hours=1)
    case.first_contact_breached_at = now - timedelta(minutes=59)
    db.session.commit()
    severity_rules.change_severity(case, team.lead, "low", "Only a question", case.version, now)
    case = reload(case)
    assert case.first_contact_due > now  # two business days from the opening
    assert case.first_contact_breached_at is None  # the sweep watches the new deadline
    assert "The first contact deadline is no longer missed." in (
        case_events(case.id, "severity_changed")[0].message
    )


def test_a_severity_change_needs_a_reason(client, login, open_case, rita, team):
    case = open_case(rep=rita)
    login(team.lead)
    response = post_form(
        client,
        f"/cases/{case.id}/severity",
        "severity",
        {"severity": "low", "reason": "  ", "version": case.version},
        page=f"/cases/{case.id}",
    )
    assert "Say why the severity changes" in response.get_data(as_text=True)
    assert reload(case).severity == case.severity


def test_a_stale_version_is_refused_and_nothing_changes(client, login, open_case, rita, team):
    case = open_case(rep=rita)
    login(team.lead)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    seen = case.version
    # Meanwhile another manager changes the case.
    severity_rules.change_severity(
        case, team.lead, "critical", "Escalated by phone", seen, utcnow()
    )
    case = reload(case)
    due, events = (case.first_contact_due, case.resolve_due), len(case.events)

    response = client.post(
        f"/cases/{case.id}/severity",
        data={
            "severity-csrf_token": csrf_from(page),
            "severity-severity": "low",
            "severity-reason": "Minor after all",
            "severity-version": seen,
        },
        follow_redirects=True,
    )
    assert "Someone else changed this case while you had it open" in response.get_data(as_text=True)
    case = reload(case)
    assert case.severity == "critical"
    assert (case.first_contact_due, case.resolve_due) == due
    assert len(case.events) == events


def test_a_race_lost_at_the_commit_is_refused_not_a_server_error(app, open_case, rita, team):
    """The version check passed, then someone else committed first: the UPDATE finds no row
    with the version it read (StaleDataError), and the change is refused the same way."""
    case = open_case(rep=rita)
    seen = case.version
    with db.engine.begin() as other:
        other.execute(
            sa.text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case.id}
        )
    with pytest.raises(case_rules.StaleCaseError, match="reload the page"):
        severity_rules.change_severity(case, team.lead, "low", "Mild", seen, utcnow())
    case = reload(case)
    assert case.severity != "low"
    assert case.version == seen + 1
    assert case_events(case.id, "severity_changed") == []


def test_a_race_lost_while_assigning_is_refused_too(app, open_case, rita, make_user, team):
    """Here the UPDATE runs at an autoflush (the outbox looks up its row), before the commit."""
    case = open_case(rep=rita)
    olle = make_user("rep", team=team, name="Olle Other")
    seen = case.version
    with db.engine.begin() as other:
        other.execute(
            sa.text("UPDATE cases SET version = version + 1 WHERE id = :id"), {"id": case.id}
        )
    with pytest.raises(case_rules.StaleCaseError, match="reload the page"):
        assignment.assign_case(case, team.lead, olle.id, "Busy", seen, utcnow())
    assert reload(case).assigned_rep_id == rita.id
    assert [e for e in case_events(case.id, "assigned") if e.actor_id] == []


def test_a_stale_assignment_from_the_case_page_is_refused(
    client, login, open_case, rita, make_user, team
):
    case = open_case(rep=rita)
    olle = make_user("rep", team=team, name="Olle Other")
    login(team.lead)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    seen = case.version
    severity_rules.change_severity(case, team.lead, "low", "Calm now", seen, utcnow())
    response = client.post(
        f"/cases/{case.id}/assign",
        data={
            "assign-csrf_token": csrf_from(page),
            "assign-assignee": olle.id,
            "assign-reason": "Rita is busy",
            "assign-version": seen,
        },
        follow_redirects=True,
    )
    assert "Someone else changed this case while you had it open" in response.get_data(as_text=True)
    assert reload(case).assigned_rep_id == rita.id


# --- assigning ------------------------------------------------------------------------------


def test_assigning_from_triage_sets_the_rep_records_it_and_mails_them_once(
    client, login, triage_case, rita, team, run_jobs, outbox
):
    case = triage_case()
    login(team.lead)
    response = post_form(
        client,
        "/cases/triage",
        None,
        {
            "cases": f"{case.id}:{case.version}",
            "assignee": rita.id,
            "reason": "She knows the customer",
        },
    )
    assert response.status_code == 302
    run_jobs()
    case = reload(case)
    assert case.assigned_rep_id == rita.id
    [event] = [e for e in case_events(case.id, "assigned") if e.actor_id == team.lead.id]
    assert event.message == "Assigned to Rita Rep by Maja Manager: She knows the customer"
    [mail] = mails_to(outbox, rita.email)
    assert f"case #{case.id}" in mail["Subject"]
    assert f"/cases/{case.id}" in mail.get_body(("plain",)).get_content()
    assert case.rep_notified_at is not None

    from portal.jobs import outbox as work_outbox

    work_outbox.flush()  # a second flush, a second worker run: still one email
    run_jobs()
    assert len(mails_to(outbox, rita.email)) == 1
    assert case.id not in [c.id for c in db.session.scalars(assignment.triage_query(team.lead))]


def test_reassigning_mails_the_new_assignee_and_keeps_the_deadlines(
    client, login, open_case, rita, make_user, team, run_jobs, outbox
):
    case = open_case(rep=rita)
    assert len(mails_to(outbox, rita.email)) == 1  # told when the case opened
    due = (case.first_contact_due, case.resolve_due)
    olle = make_user("rep", team=team, name="Olle Other", email="olle@example.com")
    login(team.lead)
    response = post_form(
        client,
        f"/cases/{case.id}/assign",
        "assign",
        {"assignee": olle.id, "reason": "Rita is away next week", "version": case.version},
        page=f"/cases/{case.id}",
    )
    assert response.status_code == 302
    run_jobs()
    case = reload(case)
    assert case.assigned_rep_id == olle.id
    assert (case.first_contact_due, case.resolve_due) == due
    assert case_events(case.id, "assigned")[-1].message == (
        "Reassigned from Rita Rep to Olle Other by Maja Manager: Rita is away next week"
    )
    assert len(mails_to(outbox, olle.email)) == 1
    assert len(mails_to(outbox, rita.email)) == 1


def test_assigning_to_the_same_person_or_someone_out_of_reach_is_refused(
    client, login, open_case, rita, team, south
):
    case = open_case(rep=rita)
    login(team.lead)
    same = post_form(
        client,
        f"/cases/{case.id}/assign",
        "assign",
        {"assignee": rita.id, "reason": "x", "version": case.version},
        page=f"/cases/{case.id}",
    )
    assert "is already assigned to Rita Rep" in same.get_data(as_text=True)
    elsewhere = post_form(
        client,
        f"/cases/{case.id}/assign",
        "assign",
        {"assignee": south["rep"].id, "reason": "x", "version": case.version},
        page=f"/cases/{case.id}",
    )
    assert elsewhere.status_code == 422  # the form again, with its error
    assert reload(case).assigned_rep_id == rita.id


def test_the_manager_chooses_among_their_teams_active_people(
    client, login, open_case, rita, make_user, team, south
):
    case = open_case(rep=rita)
    make_user("rep", team=team, name="Gone Greta", active=False)
    login(team.lead)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Rita Rep" in html and "Maja Manager (manager)" in html
    assert "Gone Greta" not in html and "Sam South" not in html


def test_a_bulk_assignment_is_all_or_nothing(client, login, triage_case, rita, team):
    first, second = triage_case(), triage_case()
    login(team.lead)
    page = client.get("/cases/triage").get_data(as_text=True)
    assert f'value="{first.id}:{first.version}"' in page
    # Someone else takes the second case meanwhile.
    assignment.assign_case(second, team.lead, rita.id, "Quick", second.version, utcnow())
    response = client.post(
        "/cases/triage",
        data={
            "csrf_token": csrf_from(page),
            "cases": [f"{first.id}:{first.version}", f"{second.id}:{second.version}"],
            "assignee": rita.id,
            "reason": "Both hers",
        },
        follow_redirects=True,
    )
    assert f"Case #{second.id} was changed by someone else since you opened the page" in (
        response.get_data(as_text=True)
    )
    assert reload(first).assigned_rep_id is None


def test_the_triage_form_explains_what_is_missing(client, login, triage_case, team):
    triage_case()
    login(team.lead)
    response = post_form(client, "/cases/triage", None, {"reason": ""})
    html = response.get_data(as_text=True)
    assert "Tick at least one case to assign." in html
    assert "Choose who takes the ticked cases." in html
    assert "Say why: it goes in the timeline of each case." in html


# --- the triage queue and its badge ---------------------------------------------------------


def test_the_triage_queue_lists_unassigned_open_cases_oldest_first(
    client, login, triage_case, open_case, rita, team
):
    older, newer = triage_case(), triage_case()
    older.created_at = utcnow() - timedelta(hours=30)
    db.session.commit()
    assigned = open_case(rep=rita)
    closed = triage_case()
    closed.status = "closed"
    db.session.commit()
    login(team.lead)
    html = client.get("/cases/triage").get_data(as_text=True)
    assert "2 unassigned cases" in html
    assert html.index(f'id="pick-{older.id}"') < html.index(f'id="pick-{newer.id}"')
    assert f'id="pick-{assigned.id}"' not in html and f'id="pick-{closed.id}"' not in html
    assert "30 h" in html  # how long the older one has waited
    assert "Survey answer" in html and "Carl Kund" in html


def test_the_triage_badge_counts_the_unassigned_open_cases(
    client, login, triage_case, open_case, rita, team
):
    first, _second = triage_case(), triage_case()
    open_case(rep=rita)
    login(team.lead)
    html = client.get("/home").get_data(as_text=True)
    assert 'href="/cases/triage"' in html
    assert '<span class="badge nav-count">2<span class="visually-hidden"> unassigned cases' in html
    assignment.assign_case(first, team.lead, rita.id, "Hers", first.version, utcnow())
    html = client.get("/home").get_data(as_text=True)
    assert '<span class="badge nav-count">1<span class="visually-hidden"> unassigned case<' in html
    assert assignment.triage_count(team.lead) == 1


def test_reps_have_no_triage_link(client, login, triage_case, rita):
    triage_case()
    login(rita)
    html = client.get("/home").get_data(as_text=True)
    assert 'href="/cases/"' in html
    assert "/cases/triage" not in html and "nav-count" not in html


@pytest.mark.parametrize("url", ["/cases/", "/cases/triage", "/cases/corrections"])
def test_the_case_pages_are_csp_clean(client, login, triage_case, team, url):
    from tests.system.test_pages import assert_local_and_csp_clean

    case = triage_case()
    login(team.lead)
    assert_local_and_csp_clean(client, url)
    assert_local_and_csp_clean(client, f"/cases/{case.id}")


def test_the_severity_table_says_the_hours_are_the_teams_business_hours(
    client, login, open_case, rita, team
):
    """The manager reads how the deadlines count: business hours of the case's team
    calendar, holidays left out; the critical policy (a wall-clock one) counts business hours
    too in a team that is not on call round the clock, and says so."""
    case = open_case(rep=rita)
    login(team.lead)
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "in business hours of the North team&#39;s calendar" in html
    assert "Mon\u2013Fri 08:00\u201317:00 Stockholm time" in html
    assert "the calendar&#39;s holidays do not count" in html
    assert "<td>2 business hours</td><td>1 business day</td>" in html  # critical
    team.round_the_clock = True
    db.session.commit()
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "<td>2 hours</td><td>1 day</td>" in html  # critical: the clock, day and night
    assert "<td>4 business hours</td><td>2 business days</td>" in html  # high
    assert "Severities in clock hours count day and night" in html
