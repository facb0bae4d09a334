"""Times and the company, in a real browser: the rep reads a promise in her own zone (queue,
case page, email) and it is the very instant the customer was promised in theirs (status page,
email); the admin sets the company, which then heads the customer's pages. Every page is
checked at 1366x800 and 390x844: axe-core, and nothing scrolls sideways. Screenshots in
test-artifacts/<test name>/."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, utcnow
from portal.services.demo.company import logo_png
from portal.services.setup import ensure_sla_policies
from portal.tokens import make_token

from ..conftest import body_text, csrf_from, sent_invitation
from .test_journeys import log_in

pytestmark = pytest.mark.browser

ANGRY = "The sofa arrived torn and nobody answers the phone. I want my money back!"
SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
STAFF_TIME = re.compile(r"(\w{3} \d{1,2} \w{3}(?: \d{4})?) (\d\d:\d\d) London time")
SWEDISH_TIME = re.compile(r"\w+dag (\d{1,2}) (\w+) (\d{4}) kl\. (\d\d):(\d\d)")
SV_MONTHS = "januari februari mars april maj juni juli augusti september oktober november december"
STATUS_LINK = re.compile(r"http://127\.0\.0\.1:\d+/status/[\w.-]+")


def london_instant(text: str, year: int) -> datetime:
    day, clock = STAFF_TIME.search(text).groups()
    day = day if re.search(r"\d{4}$", day) else f"{day} {year}"
    moment = datetime.strptime(f"{day} {clock}", "%a %d %b %Y %H:%M")
    return moment.replace(tzinfo=ZoneInfo("Europe/London"))


def stockholm_instant(text: str) -> datetime:
    day, month, year, hour, minute = SWEDISH_TIME.search(text).groups()
    month_no = SV_MONTHS.split().index(month) + 1
    return datetime(
        int(year), month_no, int(day), int(hour), int(minute), tzinfo=ZoneInfo("Europe/Stockholm")
    )


def check_page(journey, page, label: str) -> None:
    """At both sizes: photographed, nothing wider than the window, no axe-core violation."""
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        page.wait_for_timeout(50)
        wide = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0, f"{label} at {size} scrolls sideways by {wide}px"
        journey.step(page, f"{label} {size}")
        journey.accessible(page, f"{label} {size}")  # no serious or critical one...
        saved = journey.folder / f"axe-{label.replace(' ', '-')}-{size}.json"
        assert json.loads(saved.read_text()) == [], f"axe on {label} at {size}"  # ...nor any


@pytest.fixture
def north(app, make_team, make_user):
    ensure_sla_policies()
    manager = make_user("manager", name="Maja Lind", email="maja@example.com")
    team = make_team("Nordics", lead=manager)  # calendar: Stockholm
    manager.team = team
    rep = make_user("rep", team=team, name="Rita Rep", email="rita@example.com")
    admin = make_user("admin", name="Helena Berg", email="helena@example.com")
    db.session.commit()
    return {"rep": rep, "admin": admin}


def answer_angrily(client, rep, make_sale) -> Case:
    now = utcnow()
    customer = Customer(
        email="carl@example.org", name="Carl Kund", locale="sv", timezone="Europe/Stockholm"
    )
    sale = make_sale(rep=rep, customer=customer, sold_at=now - timedelta(days=4))
    invitation = sent_invitation(sale)
    db.session.add(invitation)
    db.session.commit()
    path = f"/s/{make_token('survey', invitation.id)}"
    page = client.get(path).get_data(as_text=True)
    sent = client.post(
        path,
        data={
            "csrf_token": csrf_from(page),
            "satisfaction": "1",
            "comment": ANGRY,
            "may_contact": "y",
        },
    )
    assert sent.status_code == 303
    db.session.expire_all()
    return db.session.scalar(sa.select(Case))


def test_the_rep_reads_the_promise_the_customer_got_each_in_their_zone(
    north, client, make_sale, outbox, journey, tmp_path
):
    # The admin names the company the customers bought from, with its logo.
    admin = journey.person("admin")
    log_in(admin, north["admin"].email)
    admin.goto("/admin/organisation")
    check_page(journey, admin, "organisation page empty")
    admin.get_by_label("Company name").fill("Nordhem Möbler AB")
    logo = tmp_path / "nordhem.png"
    logo.write_bytes(logo_png())
    admin.get_by_label("Logo").set_input_files(str(logo))
    admin.get_by_label("Brand colour").fill("#cfe3f5")  # too light for white text
    admin.get_by_role("button", name="Save settings").click()
    admin.get_by_text("it needs at least 4.5:1").wait_for()
    journey.step(admin, "a too light colour is refused")
    admin.get_by_label("Logo").set_input_files(str(logo))
    admin.get_by_label("Brand colour").fill("#1f4e5f")
    admin.get_by_label("Reply-to address").fill("kundservice@nordhem.example")
    admin.get_by_label("Customer service phone").fill("+46 8 520 277 00")
    admin.get_by_role("button", name="Save settings").click()
    admin.get_by_text("Saved: customer pages and emails").wait_for()
    check_page(journey, admin, "organisation saved")

    # Rita works from London: she says so on her settings page.
    rep = journey.person("rep")
    log_in(rep, north["rep"].email)
    rep.get_by_role("button", name="Rita Rep").click()
    rep.get_by_role("link", name="My settings").click()
    rep.get_by_label("Show times in").select_option("Europe/London")
    rep.get_by_role("button", name="Save settings").click()
    rep.get_by_text("times are now shown in London time").wait_for()
    check_page(journey, rep, "my settings")

    # A customer in Stockholm answers angrily: a case opens, both are emailed.
    case = answer_angrily(client, north["rep"], make_sale)
    assert case is not None and case.assigned_rep_id == north["rep"].id
    due = case.first_contact_due.replace(second=0, microsecond=0)
    [rep_mail] = [m for m in outbox() if m["To"] == "rita@example.com"]
    [customer_mail] = [m for m in outbox() if m["To"] == "carl@example.org"]
    assert customer_mail["From"] == "Nordhem Möbler AB <no-reply@aftersale.invalid>"

    # What the rep reads: queue, case page, email.
    rep.goto("/cases/")
    check_page(journey, rep, "queue")
    queue_row = rep.locator("tr", has_text=f"#{case.id}").inner_text()
    rep.goto(f"/cases/{case.id}")
    check_page(journey, rep, "case page")
    deadlines = rep.locator("dt:has-text('First contact') + dd").first.inner_text()
    year = due.astimezone(ZoneInfo("Europe/London")).year
    rep_reads = [
        london_instant(queue_row.split("First contact by", 1)[1], year),
        london_instant(deadlines, year),
        london_instant(body_text(rep_mail).split("First contact by:", 1)[1], year),
    ]

    # What the customer was promised: email and status page, on her phone, in Swedish.
    customer = journey.person("customer", phone=True, locale="sv-SE")
    mail_text = body_text(customer_mail)
    assert "(tid i Stockholm)" in mail_text and "UTC" not in mail_text
    customer.goto(STATUS_LINK.search(mail_text).group(0))
    check_page(journey, customer, "status page")
    status = customer.locator("main").inner_text()
    assert "Tiderna är lokal tid i Stockholm." in status
    assert "UTC" not in status and "Europe/" not in status
    footer = customer.locator("footer").inner_text()
    assert "Nordhem Möbler AB" in customer.locator("header").inner_text()
    assert "+46 8 520 277 00" in footer
    customer_got = [stockholm_instant(mail_text), stockholm_instant(status)]

    # One instant, each in their own zone.
    assert set(rep_reads) == set(customer_got) == {due}
    assert "London time" in queue_row and "kl." in status
