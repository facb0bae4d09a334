"""Journeys through the portal in a real browser, as customers and staff live them.

Each step is photographed into test-artifacts/<test name>/ (numbered, with steps.txt), and every
customer page is checked with axe-core.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.extensions import db
from portal.metrics.rollup import rebuild
from portal.models import Case, SurveyInvitation, SurveyResponse
from portal.services.setup import ensure_sla_policies
from portal.services.staff import api_keys
from portal.services.surveys.sending import dispatch

from ..conftest import PASSWORD

pytestmark = pytest.mark.browser

ANGRY = "The chair broke after two days and nobody answers the phone. I want my money back!"
# A weekday-independent daytime clock for dispatch: 10:00 UTC today is daytime in Europe.
TODAY_10 = datetime.now(UTC).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def shop(app, client, make_team, make_user):
    """A team with its manager and a rep, and the web shop's API key."""
    ensure_sla_policies()
    manager = make_user("manager", name="Maja Lind", email="maja@example.com")
    team = make_team("Nordics", lead=manager)
    manager.team = team
    rep = make_user("rep", team=team, name="Rita Rep", email="rita@example.com")
    _, secret = api_keys.create_key("Web shop", None)
    db.session.commit()

    def sell(order_ref: str, email: str, name: str, days_ago: int = 3):
        sold_at = (TODAY_10 - timedelta(days=days_ago, hours=1)).isoformat()
        response = client.post(
            "/api/v1/sales",
            json={
                "order_ref": order_ref,
                "sold_at": sold_at,
                "customer_email": email,
                "customer_name": name,
                "rep_email": rep.email,
                "amount": "4990.00",
                "currency": "SEK",
                "product": "Ergonomic office chair",
            },
            headers={"Authorization": f"Bearer {secret}"},
        )
        assert response.status_code == 201, response.get_data(as_text=True)

    return {"manager": manager, "rep": rep, "team": team, "sell": sell}


def survey_link_from(message) -> str:
    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"http://127\.0\.0\.1:\d+/s/[\w.-]+", text)
    assert match, f"no survey link in the email:\n{text}"
    return match.group(0)


def log_in(page, email: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("log in", re.I)).click()
    page.wait_for_load_state()


def test_unhappy_customer_on_a_phone_reaches_the_reps_queue(app, shop, smtp_server, journey):
    # The web shop reports the sale; three days later the survey email goes out over SMTP.
    shop["sell"]("WEB-7001", "ann.andersson@example.org", "Ann Andersson")
    result = dispatch(now=TODAY_10)
    assert result.sent == 1
    [invitation_email] = smtp_server.messages
    assert invitation_email["To"] == "ann.andersson@example.org"
    link = survey_link_from(invitation_email)

    # The customer opens the link from that email on her phone.
    customer = journey.person("customer", phone=True)
    customer.goto(link)
    customer.get_by_role("heading", name="How was your purchase?").wait_for()
    expect(customer.locator("body")).to_contain_text("WEB-7001")
    journey.step(customer, "opens the survey link from the email")
    journey.accessible(customer, "survey page")

    # She answers 1 of 5 with an angry comment.
    customer.locator("label[for='satisfaction-0']").click()
    assert customer.locator("#satisfaction-0").is_checked()
    assert customer.locator("#satisfaction-0").get_attribute("value") == "1"
    customer.get_by_label("Anything you would like to tell us?").fill(ANGRY)
    # They want to hear from us: the case gets a first-contact deadline and a follow-up.
    customer.get_by_label("You may contact me by email about my answer.").check()
    journey.step(customer, "answers 1 of 5 with a comment")
    journey.accessible(customer, "survey page with a rating picked")
    customer.get_by_role("button", name="Send my answer").click()
    customer.get_by_role("heading", name="Thank you for your answer").wait_for()
    journey.step(customer, "is thanked")
    journey.accessible(customer, "thank-you page")

    db.session.expire_all()
    [stored] = db.session.scalars(sa.select(SurveyResponse)).all()
    assert (stored.satisfaction, stored.comment) == (1, ANGRY)
    # Jobs run inline in this run: the answer is analysed and a case opened for the rep.
    [case] = db.session.scalars(sa.select(Case)).all()
    assert case.assigned_rep_id == shop["rep"].id
    assert any(shop["rep"].email in to for to in smtp_server.recipients), "rep not emailed"

    # The manager looks at the team's dashboard: one case open, nobody has called yet.
    manager = journey.person("manager")
    log_in(manager, shop["manager"].email)
    manager.goto("/performance/")
    assert stat(manager, "Open cases") == "1"
    assert stat(manager, "Not yet contacted") == "1"
    journey.step(manager, "sees one open case not yet contacted")

    # The rep logs in at her desk, finds the case at the top of her queue and opens it.
    rep = journey.person("rep")
    log_in(rep, shop["rep"].email)
    journey.step(rep, "logs in")
    rep.goto("/cases/")
    first_row = rep.locator("table tbody tr").first
    first_row.wait_for()
    assert f"#{case.id}" in first_row.inner_text()
    journey.step(rep, "finds the case at the top of the queue")
    first_row.get_by_role("link").first.click()
    rep.wait_for_url(re.compile(rf"/cases/{case.id}\b"))
    assert ANGRY in rep.locator("main").inner_text()
    journey.step(rep, "opens the case and reads the comment")

    # She calls the customer and logs the first contact, then resolves the case.
    contact = rep.locator("#contact-form")
    contact.get_by_label("Phone").check()
    contact.get_by_label("What was said").fill("Called Ann: a new chair goes out tomorrow.")
    journey.step(rep, "logs the first contact")
    contact.get_by_role("button", name="Log contact").click()
    rep.locator("#resolve-form").get_by_label("Outcome").wait_for()
    resolve = rep.locator("#resolve-form")
    resolve.get_by_label("Outcome").select_option("replacement")
    resolve.get_by_label("Summary").fill("Replacement chair delivered; the broken one collected.")
    journey.step(rep, "resolves the case")
    resolve.get_by_role("button", name="Resolve case").click()
    rep.locator("#reopen-form").wait_for()
    journey.step(rep, "sees the case resolved")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "resolved" and case.first_contact_at is not None

    # A day later the "did this fix it?" email goes out; she answers yes, 5 of 5, on her phone.
    followup = db.session.scalars(
        sa.select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    ).one()
    sent_before = len(smtp_server.messages)
    # Sent the moment it falls due: scheduled_for is inside the customer's daytime, while a few
    # minutes later may already be past the window's end (the run would wait for morning).
    assert dispatch(now=followup.scheduled_for).sent == 1
    [followup_email] = smtp_server.messages[sent_before:]
    assert followup_email["To"] == "ann.andersson@example.org"
    customer.goto(survey_link_from(followup_email))
    customer.get_by_role("heading", name="Did this resolve your concern?").wait_for()
    journey.step(customer, "opens the follow-up from its email")
    journey.accessible(customer, "follow-up survey page")
    customer.locator("label[for='resolved_concern-0']").click()
    customer.locator("label[for='satisfaction-4']").click()
    customer.get_by_role("button", name=re.compile("Send")).click()
    customer.get_by_role("heading", name="Thank you for your answer").wait_for()
    journey.step(customer, "says it is fixed")
    journey.accessible(customer, "thank-you page after the follow-up")
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status == "closed" and case.satisfaction_after == 5

    # The nightly rollup runs; the manager sees the figures change.
    rebuild()
    manager.reload()
    assert stat(manager, "Open cases") == "0"
    assert stat(manager, "Not yet contacted") == "0"
    rep_row = manager.locator("tr", has_text=shop["rep"].name).first
    assert "100%" in rep_row.inner_text()  # first contact on time, from the rollup
    journey.step(manager, "sees the case closed in the team figures")


def stat(page, label: str) -> str:
    card = page.locator(".stat-card", has=page.locator(".stat-label", has_text=label))
    return card.locator(".stat-value").inner_text().strip()


def test_customer_complains_from_the_survey_link_and_follows_the_status(
    app, shop, smtp_server, journey
):
    shop["sell"]("WEB-7002", "bo.berg@example.org", "Bo Berg")
    dispatch(now=TODAY_10)
    link = survey_link_from(smtp_server.messages[0])

    customer = journey.person("customer", phone=True)
    customer.goto(link)
    customer.get_by_role("link", name="Something went wrong? Tell us").click()
    customer.get_by_role("heading", name="Tell us what went wrong").wait_for()
    journey.step(customer, "opens the complaint form from the survey")
    journey.accessible(customer, "complaint form from a survey link")

    # Sending it empty explains what is missing, and the page stays accessible with errors.
    customer.get_by_role("button", name="Send my complaint").click()
    customer.get_by_text("Please check the marked questions.").wait_for()
    journey.step(customer, "is told what is missing")
    journey.accessible(customer, "complaint form with errors")

    customer.get_by_label("Delivery (late, missing or damaged)").check()
    customer.get_by_label("What happened?").fill(ANGRY)
    journey.step(customer, "describes the problem")
    customer.get_by_role("button", name="Send my complaint").click()
    customer.get_by_role("heading", name="Your complaint").wait_for()
    journey.step(customer, "sees the status of the complaint")
    journey.accessible(customer, "complaint status page")

    db.session.expire_all()
    invitation = db.session.scalars(sa.select(SurveyInvitation)).one()
    case = db.session.scalars(sa.select(Case)).one()
    assert case.customer_id == invitation.customer_id
    assert case.assigned_rep_id == shop["rep"].id
    # The status page promises a first contact in the customer's time zone.
    expect(customer.locator("body")).to_contain_text("We will contact you by")


def test_public_complaint_is_confirmed_from_the_email(app, shop, smtp_server, journey):
    shop["sell"]("WEB-7003", "cia.carlsson@example.org", "Cia Carlsson", days_ago=1)

    customer = journey.person("customer", phone=True, locale="sv-SE")
    customer.goto("/complaint")
    journey.step(customer, "opens the complaint form in swedish")
    journey.accessible(customer, "public complaint form in Swedish")
    customer.get_by_role("link", name="In English").click()
    customer.get_by_role("heading", name="Tell us what went wrong").wait_for()
    journey.step(customer, "switches to english")
    journey.accessible(customer, "public complaint form")

    customer.get_by_label("Email address").fill("cia.carlsson@example.org")
    customer.get_by_label("Your name").fill("Cia Carlsson")
    customer.get_by_label("Order number").fill("web-7003")
    customer.get_by_label("I received the wrong item").check()
    customer.get_by_label("What happened?").fill("I ordered a black chair and got a pink one.")
    journey.step(customer, "fills in the form")
    customer.get_by_role("button", name="Send my complaint").click()
    customer.get_by_text("cia.carlsson@example.org").first.wait_for()
    journey.step(customer, "is asked to check her email")
    journey.accessible(customer, "check your email page")

    confirmation = next(m for m in smtp_server.messages if m["To"] == "cia.carlsson@example.org")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    confirm_link = re.search(r"http://127\.0\.0\.1:\d+/complaint/confirm/[\w.-]+", text).group(0)
    customer.goto(confirm_link)
    journey.step(customer, "opens the confirmation link")
    journey.accessible(customer, "confirm page")
    db.session.expire_all()
    assert db.session.scalars(sa.select(Case)).all() == []  # opening the link confirms nothing
    customer.get_by_role("button", name="Confirm my complaint").click()
    customer.get_by_role("heading", name="Your complaint").wait_for()
    journey.step(customer, "confirms and sees the status")
    journey.accessible(customer, "complaint status after confirming")

    db.session.expire_all()
    case = db.session.scalars(sa.select(Case)).one()
    assert case.assigned_rep_id == shop["rep"].id  # "web-7003" matched the order WEB-7003
