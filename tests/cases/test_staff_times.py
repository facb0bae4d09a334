"""Staff read every time in their own zone, named ("London time"); customers in theirs, in
words ("tid i Stockholm"). One promise, read by the rep (queue, case page, email) and by the
customer (status page, email), is the same instant. Cases are opened the real way."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime

from portal.extensions import db
from portal.models import Customer, utcnow
from portal.services import status_links as case_links
from portal.timefmt import age, time_left

from ..conftest import body_text, submit

ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."
STAFF = re.compile(
    r"(?P<day>\w{3} \d{1,2} \w{3}(?: \d{4})?) (?P<time>\d\d:\d\d) (?P<city>[\w ]+) time"
)
SWEDISH = re.compile(r"(?:\w+dag) (\d{1,2} \w+ \d{4}) kl\. (\d\d:\d\d)")
SV_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december"


def staff_text(moment: datetime, zone: str) -> str:
    """What a staff member in `zone` reads: "Mon 7 Dec 11:00 London time"."""
    local = moment.astimezone(ZoneInfo(zone))
    pattern = (
        "EEE d MMM HH:mm"
        if local.year == utcnow().astimezone(ZoneInfo(zone)).year
        else ("EEE d MMM y HH:mm")
    )
    return f"{format_datetime(local, pattern, locale='en')} {zone.split('/')[-1]} time"


def swedish_instant(text: str, zone: str) -> datetime:
    """ "måndag 7 december 2026 kl. 12:00" in `zone`, back to an instant."""
    day, clock = SWEDISH.search(text).groups()
    number, month, year = day.split()
    month_no = SV_MONTHS.split().index(month) + 1
    hour, minute = map(int, clock.split(":"))
    return datetime(int(year), month_no, int(number), hour, minute, tzinfo=ZoneInfo(zone))


@pytest.fixture
def londoner(client, login, rita):
    """Rita (team North, Stockholm calendar) reads times in London time, set on her page."""
    login(rita)
    page = client.get("/settings").get_data(as_text=True)
    assert "My team&#39;s time zone (Stockholm time)" in page
    response = submit(client, "/settings", {"time_zone": "Europe/London"})
    assert response.status_code == 303
    db.session.refresh(rita)
    assert rita.time_zone == "Europe/London"
    return rita


def test_the_rep_and_the_customer_read_the_same_promise_each_in_their_zone(
    client, londoner, case_from_answer, outbox
):
    customer = Customer(
        email="carl@example.org", name="Carl", locale="sv", timezone="Europe/Stockholm"
    )
    case = case_from_answer(londoner, customer, comment=ANGRY, may_contact=True)
    due = case.first_contact_due
    rep_sees = staff_text(due, "Europe/London")

    # the rep: queue, case page, email, all "... London time", never UTC
    queue = client.get("/cases/").get_data(as_text=True)
    assert f"First contact by {rep_sees}" in queue and "UTC" not in queue
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert rep_sees in page and "UTC" not in page.replace("UTC+", "")
    [rep_mail] = [m for m in outbox() if m["To"] == londoner.email]
    assert f"First contact by: {rep_sees}" in body_text(rep_mail)
    assert "UTC" not in body_text(rep_mail)

    # the customer: status page and email in Stockholm time, in Swedish, the zone in words
    [customer_mail] = [m for m in outbox() if m["To"] == "carl@example.org"]
    mail_text = body_text(customer_mail)
    assert "(tid i Stockholm)" in mail_text
    status = client.get(f"/status/{case_links.status_token(case)}").get_data(as_text=True)
    assert "Tiderna är lokal tid i Stockholm." in status
    assert "UTC" not in status and "Europe/" not in status

    # one instant: what the rep reads (London) is what the customer was promised (Stockholm)
    match = STAFF.search(rep_sees)
    rep_instant = datetime.strptime(
        f"{match['day']} {due.astimezone(ZoneInfo('Europe/London')).year} {match['time']}",
        "%a %d %b %Y %H:%M",
    ).replace(tzinfo=ZoneInfo("Europe/London"))
    assert rep_instant == due.replace(second=0, microsecond=0)
    assert swedish_instant(mail_text, "Europe/Stockholm") == rep_instant
    assert swedish_instant(status, "Europe/Stockholm") == rep_instant


def test_without_a_setting_staff_read_their_teams_calendar_zone(
    client, login, rita, team, case_from_answer
):
    team.timezone = "Europe/Helsinki"
    db.session.commit()
    case = case_from_answer(rita, Customer(email="c@example.org", name="C", locale="en"))
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert staff_text(case.first_contact_due, "Europe/Helsinki") in page


def test_the_settings_page_goes_back_to_the_team_zone_and_refuses_an_unknown_one(client, londoner):
    refused = submit(client, "/settings", {"time_zone": "Mars/Olympus_Mons"})
    assert refused.status_code == 422
    assert "Not a valid choice" in refused.get_data(as_text=True)
    db.session.refresh(londoner)
    assert londoner.time_zone == "Europe/London"  # kept
    back = submit(client, "/settings", {"time_zone": ""}, follow_redirects=True)
    assert "times are now shown in Stockholm time" in back.get_data(as_text=True)
    db.session.refresh(londoner)
    assert londoner.time_zone is None


def test_time_left_reads_in_words_without_saying_overdue_twice():
    now = utcnow()
    assert time_left(now + timedelta(hours=3, minutes=10), now) == "in 3 h"
    assert time_left(now - timedelta(days=4, hours=1), now) == "overdue 4 d"
    assert time_left(now - timedelta(minutes=20), now) == "overdue 20 min"
    assert age(now - timedelta(days=4, hours=1), now) == "4 d"


def test_an_admin_without_a_team_reads_the_companys_zone(client, login, make_user):
    login(make_user("admin"))
    page = client.get("/admin/status").get_data(as_text=True)
    assert "Stockholm time" in page and "UTC" not in page  # the company's zone by default


@pytest.mark.parametrize("zone", ["Europe/Stockholm", "America/New_York", "Asia/Kolkata", "UTC"])
def test_staff_times_read_as_babel_writes_them_every_day_of_two_years(app, zone):
    """The queue writes staff times without Babel (it is a tenth of the time per row); the
    text is Babel's CLDR English, to the letter, for every day, both sides of a year end and
    of the daylight-saving changes."""
    from portal.timefmt import staff_time

    tz = ZoneInfo(zone)
    now = datetime(2026, 12, 6, 9, 0, tzinfo=ZoneInfo("UTC"))
    city = "UTC" if zone == "UTC" else f"{zone.split('/')[-1].replace('_', ' ')} time"
    for day in range(730):
        moment = datetime(2025, 1, 1, 23, 17, tzinfo=ZoneInfo("UTC")) + timedelta(days=day)
        local = moment.astimezone(tz)
        pattern = (
            "EEE d MMM HH:mm" if local.year == now.astimezone(tz).year else "EEE d MMM y HH:mm"
        )
        expected = f"{format_datetime(local, pattern, locale='en')} {city}"
        assert staff_time(moment, tz, now) == expected
