"""The admin side of deadlines: SLA policies, team working calendars and holidays, as an
administrator (and others) meet them."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, Holiday, SlaPolicy, Team, utcnow
from portal.services import rules
from portal.services.cases.opening import open_case
from portal.services.setup import ensure_sla_policies
from portal.services.sla import admin as sla_admin
from portal.services.sla.calendar import calendar_for_team
from portal.services.sla.deadlines import deadlines_for, policy_for
from portal.services.staff import teams
from tests.conftest import submit

DEADLINE_PAGES = ["/admin/sla", "/admin/holidays", "/admin/sla/preview?severity=high"]
# The policies as the page shows them after setup (see models.sla.DEFAULT_SLA_POLICIES).
POLICIES = {
    "critical-first_contact_amount": "2",
    "critical-first_contact_unit": "hours",
    "critical-resolve_amount": "1",
    "critical-resolve_unit": "days",
    "high-first_contact_amount": "4",
    "high-first_contact_unit": "hours",
    "high-resolve_amount": "2",
    "high-resolve_unit": "days",
    "high-business_hours": "y",
    "normal-first_contact_amount": "1",
    "normal-first_contact_unit": "days",
    "normal-resolve_amount": "5",
    "normal-resolve_unit": "days",
    "normal-business_hours": "y",
    "low-first_contact_amount": "2",
    "low-first_contact_unit": "days",
    "low-resolve_amount": "10",
    "low-resolve_unit": "days",
    "low-business_hours": "y",
}
CALENDAR = {
    "name": "North",
    "calendar_shown": "1",
    "timezone": "Europe/London",
    "workdays": ["1", "2", "3", "4"],
    "workday_start": "09:00",
    "workday_end": "16:30",
}


@pytest.fixture
def admin(login, make_user):
    user = make_user("admin", name="Ada Admin", email="ada@example.com")
    login(user)
    return user


def at(text: str, zone: str = "Europe/Stockholm") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


def policy_row(severity: str) -> tuple:
    db.session.expire_all()
    policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.severity == severity))
    return (
        policy.first_contact_amount,
        policy.first_contact_unit,
        policy.resolve_amount,
        policy.resolve_unit,
        policy.business_hours,
    )


def error_of(html: str, field_id: str) -> str | None:
    match = re.search(rf'id="{field_id}-error"[^>]*>([^<]*)<', html)
    return match.group(1) if match else None


def holidays_now() -> list[tuple]:
    db.session.expire_all()
    return list(
        db.session.execute(
            sa.select(Holiday.day, Holiday.name, Holiday.team_id).order_by(
                Holiday.day, Holiday.team_id
            )
        )
    )


def import_holidays(client, button: str, year: int, team: Team | None = None):
    return submit(
        client,
        "/admin/holidays",
        {"import_year": str(year), "import_team": team.id if team else "", button: "y"},
        follow_redirects=True,
    )


# --- who may use the pages ------------------------------------------------------------------


@pytest.mark.parametrize("role", ["rep", "manager"])
def test_reps_and_managers_get_403_on_every_deadline_page(
    client, login, make_user, make_team, role
):
    ensure_sla_policies()
    team = make_team("North")
    holiday = Holiday(day=date(2027, 6, 25), name="Midsummer Eve", team_id=None)
    db.session.add(holiday)
    db.session.commit()
    login(make_user(role))
    for page in [*DEADLINE_PAGES, f"/admin/teams/{team.id}/edit"]:
        assert client.get(page).status_code == 403, page
    posts = [
        ("/admin/sla", {**POLICIES, "high-first_contact_amount": "1"}),
        ("/admin/holidays", {"day": "2027-12-24", "name": "Christmas Eve", "submit": "y"}),
        ("/admin/holidays", {"import_year": "2027", "add_se": "y"}),
        (f"/admin/holidays/{holiday.id}/delete", {}),
        (f"/admin/teams/{team.id}/edit", {**CALENDAR, "workdays": ["6"]}),
    ]
    for url, data in posts:
        assert submit(client, url, data, page="/home").status_code == 403, url
    assert policy_row("high")[0] == 4
    assert holidays_now() == [(date(2027, 6, 25), "Midsummer Eve", None)]
    assert db.session.get(Team, team.id).workdays == "1,2,3,4,5"


def test_anonymous_visitors_are_sent_to_log_in(client):
    for page in DEADLINE_PAGES:
        response = client.get(page)
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/login"


def test_deleting_a_holiday_only_on_post(client, admin):
    holiday = Holiday(day=date(2027, 6, 25), name="Midsummer Eve")
    db.session.add(holiday)
    db.session.commit()
    assert client.get(f"/admin/holidays/{holiday.id}/delete").status_code == 405
    assert len(holidays_now()) == 1


def test_without_a_csrf_token_nothing_changes(client, admin):
    ensure_sla_policies()
    response = client.post("/admin/sla", data={**POLICIES, "high-first_contact_amount": "9"})
    assert response.status_code == 400
    assert policy_row("high")[0] == 4


def test_admin_finds_deadlines_in_the_navigation_with_tabs(client, admin):
    html = client.get("/admin/sla").get_data(as_text=True)
    assert 'href="/admin/sla" aria-current="page">Deadlines</a>' in html
    assert re.search(r'href="/admin/holidays"\s*>Holidays</a>', html)
    holidays_page = client.get("/admin/holidays").get_data(as_text=True)
    assert 'href="/admin/sla" aria-current="page">Deadlines</a>' in holidays_page
    assert 'href="/admin/teams"' in holidays_page  # the team calendars are on the team pages


# --- SLA policies ---------------------------------------------------------------------------


def test_the_policy_page_shows_each_severity_with_examples(client, admin):
    html = client.get("/admin/sla").get_data(as_text=True)
    for severity in ("critical", "high", "normal", "low"):
        assert f'name="{severity}-first_contact_amount"' in html
        assert f'name="{severity}-resolve_unit"' in html
    assert re.search(r'<input[^>]* checked [^>]*name="high-business_hours"', html)
    assert not re.search(r'<input[^>]* checked [^>]*name="critical-business_hours"', html)
    assert "Cases already open keep their deadlines." in html
    assert "4 business hours</strong> = 4 hours of the team's working time" in html
    assert "2 working days later at the same time of the working day" in html
    assert html.count("just before a weekend: first contact by") == 4
    # High: 4 business hours from a Friday 16:00 (08:00-17:00) is Monday 11:00.
    assert re.search(r"Opened Fri \d+ \w+ 16:00, just before a weekend: first contact by Mon", html)


def test_the_preview_answers_for_the_values_being_edited(client, admin):
    ensure_sla_policies()
    query = {
        "severity": "normal",
        "normal-first_contact_amount": "4",
        "normal-first_contact_unit": "hours",
        "normal-resolve_amount": "3",
        "normal-resolve_unit": "days",
        "normal-business_hours": "y",
    }
    answer = client.get(f"/admin/sla/preview?{urlencode(query)}").get_json()
    assert answer["ok"]
    now_line, friday_line = answer["lines"]
    assert now_line.startswith("Opened now, ")
    # Friday 16:00 + 4 business hours = Monday 11:00; + 3 business days = Wednesday 16:00.
    assert re.search(
        r"first contact by Mon \d+ \w+ 11:00, resolved by Wed \d+ \w+ 16:00\.$", friday_line
    )
    assert policy_row("normal") == (1, "days", 5, "days", True)  # nothing saved

    sooner = {**query, "normal-resolve_amount": "2", "normal-resolve_unit": "hours"}
    wrong = client.get(f"/admin/sla/preview?{urlencode(sooner)}").get_json()
    assert not wrong["ok"]
    assert "Resolution cannot be due sooner than first contact" in wrong["lines"][0]
    assert client.get("/admin/sla/preview?severity=urgent").status_code == 404


def test_a_new_policy_gives_new_cases_new_deadlines_and_leaves_open_cases_alone(client, admin):
    ensure_sla_policies()
    customer = Customer(email="ann@example.org", name="Ann Andersson")
    db.session.add(customer)
    db.session.commit()
    opened = at("2026-11-27 16:00")  # a Friday
    before = deadlines_for(policy_for("high"), opened)
    existing = open_case(
        source="staff",
        customer=customer,
        sale=None,
        now=opened,
        polarity=-0.9,
        satisfaction=1,
        reasons=["very unhappy"],
        needs_review=False,
    )
    db.session.commit()
    assert existing.severity == "high"
    assert existing.first_contact_due == before.first_contact_due == at("2026-11-30 11:00")

    changed = {
        **POLICIES,
        "high-first_contact_amount": "1",
        "high-resolve_amount": "4",
        "high-resolve_unit": "hours",
    }
    response = submit(client, "/admin/sla", changed, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Saved. New high cases get the new deadlines; cases already open keep theirs." in html
    assert policy_row("high") == (1, "hours", 4, "hours", True)
    assert policy_row("normal") == (1, "days", 5, "days", True)

    after = deadlines_for(policy_for("high"), opened)
    assert after.first_contact_due == at("2026-11-27 17:00")  # 1 business hour: 16:00-17:00
    assert after.resolve_due == at("2026-11-30 11:00")
    new_case = open_case(
        source="staff",
        customer=customer,
        sale=None,
        now=opened,
        polarity=-0.9,
        satisfaction=1,
        reasons=["very unhappy"],
        needs_review=False,
    )
    db.session.commit()
    assert (new_case.first_contact_due, new_case.resolve_due) == after
    db.session.expire_all()
    old = db.session.get(Case, existing.id)
    assert (old.first_contact_due, old.resolve_due) == before


def test_saving_unchanged_policies_says_so(client, admin):
    response = submit(client, "/admin/sla", POLICIES, follow_redirects=True)
    assert "Nothing changed" in response.get_data(as_text=True)


def test_switching_business_hours_off_makes_the_clock_run_round_the_clock(client, admin):
    changed = {**POLICIES}
    del changed["normal-business_hours"]
    submit(client, "/admin/sla", changed)
    assert policy_row("normal") == (1, "days", 5, "days", False)
    on_call = replace(calendar_for_team(None), round_the_clock=True)
    due = deadlines_for(policy_for("normal"), at("2026-11-27 16:00"), on_call)
    assert due.first_contact_due == at("2026-11-28 16:00")  # Saturday: 24 clock hours later


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"high-first_contact_amount": "0"}, "high-first_contact_amount", "from 1 to 1000"),
        ({"low-resolve_amount": "1001"}, "low-resolve_amount", "from 1 to 1000"),
        ({"normal-first_contact_amount": ""}, "normal-first_contact_amount", "from 1 to 1000"),
        ({"critical-resolve_amount": "two"}, "critical-resolve_amount", "from 1 to 1000"),
        ({"high-resolve_unit": "weeks"}, "high-resolve_unit", "Not a valid choice"),
        (
            # 2 days before 30 hours, in wall-clock time.
            {"critical-first_contact_amount": "30", "critical-resolve_amount": "1"},
            "critical-resolve_amount",
            "Resolution cannot be due sooner than first contact (30 hours). A day is 24 hours",
        ),
        (
            # 1 business day counts as 9 working hours for this check: sooner than 10.
            {
                "high-first_contact_amount": "10",
                "high-resolve_amount": "1",
                "high-resolve_unit": "days",
            },
            "high-resolve_amount",
            "sooner than first contact (10 business hours). For this check a business day "
            "counts as 9 working hours",
        ),
        (
            {"low-resolve_amount": "1"},
            "low-resolve_amount",
            "Resolution cannot be due sooner than first contact (2 business days).",
        ),
    ],
)
def test_a_bad_policy_is_refused_with_the_message_next_to_the_field(
    client, admin, fields, field, message
):
    ensure_sla_policies()
    saved = {s: policy_row(s) for s in ("critical", "high", "normal", "low")}
    response = submit(client, "/admin/sla", {**POLICIES, "normal-resolve_amount": "6", **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in (error_of(html, field) or "")
    assert re.search(rf'aria-invalid="true"[^>]*id="{field}"|id="{field}"[^>]*aria-invalid', html)
    assert {s: policy_row(s) for s in saved} == saved


def test_resolution_as_soon_as_first_contact_is_allowed(client, admin):
    fields = {
        **POLICIES,
        "high-first_contact_amount": "9",
        "high-resolve_amount": "1",
        "high-resolve_unit": "days",
    }
    response = submit(client, "/admin/sla", fields, follow_redirects=True)
    assert "Saved." in response.get_data(as_text=True)
    assert policy_row("high") == (9, "hours", 1, "days", True)


def test_every_mistake_is_shown_at_once_and_nothing_is_saved(client, admin):
    fields = {**POLICIES, "critical-first_contact_amount": "0", "low-resolve_amount": "1"}
    html = submit(client, "/admin/sla", {**fields, "normal-resolve_amount": "6"}).get_data(
        as_text=True
    )
    assert error_of(html, "critical-first_contact_amount")
    assert error_of(html, "low-resolve_amount")
    assert policy_row("normal")[2] == 5  # the valid change is not saved either
    assert "No example yet" in html


def test_the_service_refuses_what_the_form_would(app):
    settings = sla_admin.PolicySettings(4, "hours", 2, "hours", True)
    with pytest.raises(rules.RuleError) as caught:
        sla_admin.update_policies({"high": settings})
    assert (caught.value.field, caught.value.row) == ("resolve_amount", "high")  # the severity row
    with pytest.raises(rules.RuleError, match="from 1 to 1000"):
        sla_admin.update_policies({"low": sla_admin.PolicySettings(0, "hours", 2, "days", True)})


# --- team working calendars ---------------------------------------------------------------


def test_a_teams_calendar_is_saved_and_used_for_its_deadlines(client, admin, make_team):
    team = make_team("North")
    page = client.get(f"/admin/teams/{team.id}/edit").get_data(as_text=True)
    zones = re.findall(r'<option[^>]*value="([^"]+)"', page.split('name="timezone"')[1])
    assert zones[0] == "Europe/Stockholm" and "Europe/London" in zones[:10]
    assert "America/New_York" in zones and zones.index("America/New_York") > 20
    assert '<optgroup label="Common">' in page

    response = submit(client, f"/admin/teams/{team.id}/edit", CALENDAR, follow_redirects=True)
    assert "Team North is saved." in response.get_data(as_text=True)
    db.session.expire_all()
    team = db.session.get(Team, team.id)
    assert (team.timezone, team.workdays) == ("Europe/London", "1,2,3,4")
    assert (team.workday_start, team.workday_end) == (time(9), time(16, 30))

    calendar = calendar_for_team(team)
    assert calendar.zone == ZoneInfo("Europe/London")
    assert calendar.workdays == frozenset({1, 2, 3, 4})
    assert (calendar.start, calendar.end) == (time(9), time(16, 30))
    # Thursday 16:00 London + 4 business hours: 30 minutes that day, then Monday 09:00-12:30.
    due = deadlines_for(policy_for("high"), at("2026-11-26 16:00", "Europe/London"), calendar)
    assert due.first_contact_due == at("2026-11-30 12:30", "Europe/London")

    listing = client.get("/admin/teams").get_data(as_text=True)
    assert "Mon\N{EN DASH}Thu 09:00\N{EN DASH}16:30" in listing and "Europe/London" in listing
    edit = client.get(f"/admin/teams/{team.id}/edit").get_data(as_text=True)
    assert re.search(r'value="4" checked', edit) and not re.search(r'value="5" checked', edit)


def test_a_new_team_can_be_created_with_its_calendar(client, admin):
    submit(client, "/admin/teams/new", {**CALENDAR, "name": "Night owls", "workdays": ["6", "7"]})
    team = db.session.scalar(sa.select(Team).where(Team.name == "Night owls"))
    assert (team.workdays, team.timezone) == ("6,7", "Europe/London")
    assert teams.describe_calendar(team) == "Sat, Sun 09:00\N{EN DASH}16:30"


def test_a_team_form_without_the_calendar_keeps_the_calendar(client, admin, make_team):
    team = make_team("North")
    team.workdays, team.timezone = "1,2,3", "Europe/Oslo"
    db.session.commit()
    submit(client, f"/admin/teams/{team.id}/edit", {"name": "North East"})
    db.session.expire_all()
    team = db.session.get(Team, team.id)
    assert (team.name, team.workdays, team.timezone) == ("North East", "1,2,3", "Europe/Oslo")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"workdays": []}, "workdays", "Choose at least one working day."),
        (
            {"workday_start": "17:00", "workday_end": "08:00"},
            "workday_end",
            "The working day must end later than it starts (at 17:00).",
        ),
        ({"workday_end": "09:00"}, "workday_end", "must end later than it starts (at 09:00)"),
        ({"workday_start": "8 o'clock"}, "workday_start", "Enter a time of day, like 08:00."),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Not a valid choice"),
        ({"workdays": ["8"]}, "workdays", "is not a valid choice"),
    ],
)
def test_a_bad_calendar_is_refused_with_the_message_next_to_the_field(
    client, admin, make_team, fields, field, message
):
    team = make_team("North")
    response = submit(client, f"/admin/teams/{team.id}/edit", {**CALENDAR, **fields})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in (error_of(html, field) or "")
    db.session.expire_all()
    team = db.session.get(Team, team.id)
    assert (team.timezone, team.workdays) == ("Europe/Stockholm", "1,2,3,4,5")
    assert (team.workday_start, team.workday_end) == (time(8), time(17))


def test_the_staff_service_checks_the_calendar_too(app, make_team):
    team = make_team("North")
    calendar = teams.TeamCalendar("Europe/Stockholm", frozenset(), time(8), time(17))
    with pytest.raises(rules.RuleError, match="at least one working day") as caught:
        teams.update_team(team, "North", None, calendar)
    assert caught.value.field == "workdays"
    bad_zone = teams.TeamCalendar("Nowhere/Else", frozenset({1}), time(8), time(17))
    with pytest.raises(rules.RuleError, match="time zone"):
        teams.update_team(team, "North", None, bad_zone)


@pytest.mark.parametrize(
    ("days", "text"),
    [
        ({1, 2, 3, 4, 5}, "Mon\N{EN DASH}Fri"),
        ({1, 2, 3, 4, 5, 6, 7}, "Every day"),
        ({1, 3, 5}, "Mon, Wed, Fri"),
        ({1, 2, 4, 5, 6}, "Mon, Tue, Thu\N{EN DASH}Sat"),
    ],
)
def test_working_days_are_described_briefly(days, text):
    assert teams.describe_workdays(frozenset(days)) == text


# --- holidays -------------------------------------------------------------------------------


def test_adding_holidays_for_everyone_and_for_one_team(client, admin, make_team):
    north, south = make_team("North"), make_team("South")
    response = submit(
        client,
        "/admin/holidays",
        {"day": "2027-06-25", "name": " Midsummer  Eve ", "team": "", "submit": "y"},
        follow_redirects=True,
    )
    assert "2027-06-25 (Midsummer Eve) is a holiday for every team." in response.get_data(
        as_text=True
    )
    response = submit(
        client,
        "/admin/holidays",
        {"day": "2027-03-12", "name": "Team day", "team": north.id, "submit": "y"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "2027-03-12 (Team day) is a holiday for North." in html
    assert holidays_now() == [
        (date(2027, 3, 12), "Team day", north.id),
        (date(2027, 6, 25), "Midsummer Eve", None),
    ]
    assert calendar_for_team(north).holidays == {date(2027, 3, 12), date(2027, 6, 25)}
    assert calendar_for_team(south).holidays == {date(2027, 6, 25)}
    assert calendar_for_team(None).holidays == {date(2027, 6, 25)}


@pytest.mark.parametrize(
    ("existing_team", "new_team", "message"),
    [
        ("North", "North", "2027-06-25 is already a holiday for North: Midsummer Eve."),
        (None, None, "2027-06-25 is already a holiday for every team: Midsummer Eve."),
        (None, "North", "2027-06-25 is already a holiday for every team: Midsummer Eve."),
    ],
)
def test_a_second_holiday_on_the_same_day_is_refused(
    client, admin, make_team, existing_team, new_team, message
):
    north = make_team("North")
    ids = {"North": north.id, None: None}
    db.session.add(Holiday(day=date(2027, 6, 25), name="Midsummer Eve", team_id=ids[existing_team]))
    db.session.commit()
    response = submit(
        client,
        "/admin/holidays",
        {"day": "2027-06-25", "name": "Again", "team": ids[new_team] or "", "submit": "y"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_of(html, "day") == message
    assert len(holidays_now()) == 1


def test_a_team_holiday_may_share_a_day_with_another_teams(client, admin, make_team):
    north, south = make_team("North"), make_team("South")
    db.session.add(Holiday(day=date(2027, 6, 25), name="Midsummer Eve", team_id=north.id))
    db.session.commit()
    submit(
        client,
        "/admin/holidays",
        {"day": "2027-06-25", "name": "Midsummer Eve", "team": south.id, "submit": "y"},
    )
    assert len(holidays_now()) == 2


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"day": ""}, "day", "Enter a date."),
        ({"day": "25/6"}, "day", "Enter a date, like 2027-06-25."),
        ({"name": "  "}, "name", "Enter a name, like Midsummer Eve."),
        ({"name": "x" * 121}, "name", "Keep the name to 120 characters or fewer."),
        ({"team": "999"}, "team", "Not a valid choice"),
    ],
)
def test_a_bad_holiday_is_refused_with_the_message_next_to_the_field(
    client, admin, fields, field, message
):
    data = {"day": "2027-06-25", "name": "Midsummer Eve", "team": "", "submit": "y", **fields}
    html = submit(client, "/admin/holidays", data).get_data(as_text=True)
    assert message in (error_of(html, field) or "")
    assert holidays_now() == []


def test_deleting_a_holiday_makes_the_day_a_working_day_again(client, admin):
    holiday = Holiday(day=date(2027, 6, 25), name="Midsummer Eve")
    db.session.add(holiday)
    db.session.commit()
    holiday_id = holiday.id  # the request deletes the row: the test's object goes with it
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert 'data-confirm="Delete the holiday Midsummer Eve on 2027-06-25 for all teams?' in page
    response = submit(
        client,
        f"/admin/holidays/{holiday_id}/delete",
        {},
        page="/admin/holidays",
        follow_redirects=True,
    )
    assert "2027-06-25 (Midsummer Eve) is no longer a holiday." in response.get_data(as_text=True)
    assert holidays_now() == []
    assert calendar_for_team(None).holidays == frozenset()
    assert client.post(f"/admin/holidays/{holiday_id}/delete").status_code in (400, 404)


def test_the_list_shows_upcoming_holidays_first_then_the_past_and_pages(client, admin):
    today = utcnow().date()
    days = [today + timedelta(days=n) for n in (-400, -3, 0, 5, 40)]
    days += [today - timedelta(days=1000 + n) for n in range(60)]  # a second page of old ones
    db.session.add_all(Holiday(day=day, name=f"Day {day.isoformat()}") for day in days)
    db.session.commit()

    html = client.get("/admin/holidays").get_data(as_text=True)
    shown = re.findall(r'<span class="fw-semibold">(\d{4}-\d\d-\d\d)</span>', html)
    expected = [today, today + timedelta(days=5), today + timedelta(days=40)]
    expected += [today - timedelta(days=3), today - timedelta(days=400)]
    assert shown[:5] == [d.isoformat() for d in expected]
    assert len(shown) == 50 and "Page 1 of 2" in html
    assert "65 holidays" in html and "Upcoming" in html and "Past" in html
    page_two = client.get("/admin/holidays?page=2").get_data(as_text=True)
    assert len(re.findall(r'<span class="fw-semibold">\d{4}', page_two)) == 15


def test_the_swedish_button_adds_the_missing_holidays_once(client, admin):
    response = import_holidays(client, "add_se", 2027)
    html = response.get_data(as_text=True)
    added = holidays_now()
    assert (date(2027, 6, 25), "Midsummer Eve", None) in added  # Midsommarafton
    assert (date(2027, 6, 26), "Midsummer Day", None) in added
    assert (date(2027, 12, 24), "Christmas Eve", None) in added
    assert (date(2027, 6, 6), "National Day", None) in added
    assert all(day.year == 2027 for day, _, _ in added)
    assert f"Added {len(added)} Swedish public holidays of 2027 for every team." in html

    again = import_holidays(client, "add_se", 2027).get_data(as_text=True)
    assert "The Swedish public holidays of 2027 were all there already for every team." in again
    assert holidays_now() == added


def test_the_country_buttons_fill_in_around_the_days_already_there(client, admin, make_team):
    north = make_team("North")
    db.session.add(Holiday(day=date(2027, 12, 25), name="Juldagen", team_id=None))
    db.session.commit()
    html = import_holidays(client, "add_se", 2027, team=north).get_data(as_text=True)
    mine = [(day, name) for day, name, team_id in holidays_now() if team_id == north.id]
    assert (date(2027, 6, 25), "Midsummer Eve") in mine
    assert date(2027, 12, 25) not in {day for day, _ in mine}  # off for every team already
    assert f"Added {len(mine)} Swedish public holidays of 2027 for North. 1 were there" in html


def test_the_english_button_adds_the_bank_holidays_with_substitute_days(client, admin):
    html = import_holidays(client, "add_gb_eng", 2027).get_data(as_text=True)
    added = {day: name for day, name, _ in holidays_now()}
    assert added[date(2027, 8, 30)] == "Late Summer Bank Holiday"
    assert added[date(2027, 12, 28)] == "Boxing Day (observed)"  # 26 December is a Sunday
    assert date(2027, 3, 17) not in added  # St Patrick's Day: Northern Ireland only
    assert "Added 10 UK (England) bank holidays of 2027 for every team." in html


def test_a_bad_year_is_refused_next_to_the_field(client, admin):
    html = submit(client, "/admin/holidays", {"import_year": "1850", "add_se": "y"}).get_data(
        as_text=True
    )
    assert "Enter a whole number from 2000 to 2100." in (error_of(html, "import_year") or "")
    assert holidays_now() == []
