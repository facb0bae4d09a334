"""Waiting for the customer: a rep asks the customer something and the case's resolution
clock pauses (no breach while it waits) until the customer answers on their status page or
the business days pass; the time paused moves the resolve deadline and is left out of the
resolution time (docs/metrics.md)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from portal.extensions import db
from portal.jobs import periodic
from portal.metrics.facts import load_facts
from portal.metrics.periods import period_of
from portal.metrics.rollup import compute_period
from portal.models import utcnow
from portal.services import status_links
from portal.services.cases import overview, waiting
from portal.services.cases import work as case_work
from portal.services.cases.escalation import mark_breaches
from portal.services.rules import RuleError

from ..conftest import body_text, csrf_from
from .case_helpers import events, make_case, reload, send_case_form

QUESTION = "Could you send us a photo of the broken leg?"
# Monday 30 November 2026; team North works 08-17 Europe/Stockholm (UTC+1 in winter).
MONDAY_9 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm


@pytest.fixture
def contacted(rita):
    return make_case(
        rita,
        customer_name="Carl Kund",
        status="contacted",
        opened=MONDAY_9,
        first_contact_at=MONDAY_9 + timedelta(hours=1),
        resolve_due=MONDAY_9 + timedelta(days=7),  # Monday after, 09:00 local
    )


def test_a_rep_waits_and_the_customers_answer_puts_the_case_back_in_the_queue(
    client, login, rita, run_jobs, outbox
):
    case = make_case(rita, customer_name="Carl Kund", status="contacted", first_contact_at=utcnow())
    due_before = case.resolve_due
    login(rita)
    response = send_case_form(client, case.id, "wait", "wait", {"question": QUESTION, "days": "3"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "Waiting for Carl Kund: your question is on its way." in page
    assert "paused: waiting for the customer since" in page
    assert "Take the case back now" in page
    # The timeline's "back in the queue by ..." is in the rep's zone, like every staff time.
    assert "back in the queue by" in page
    assert not re.search(r"\d\d:\d\d UTC", page) and "Stockholm time" in page
    assert reload(case).status == "waiting"
    home = client.get("/home").text  # the rep's home: no countdown on a paused clock
    assert "Clock paused" in home and "Resolve by" not in home
    run_jobs()
    [mail] = [m for m in outbox() if QUESTION in body_text(m)]
    assert mail["To"] == case.customer.email

    # Long past the resolve deadline: the clock is paused, nothing breaches.
    assert mark_breaches(due_before + timedelta(days=30)) == []

    status_page = f"/status/{status_links.status_token(case)}"
    html = client.get(status_page).text
    assert "We are waiting for your answer" in html
    assert "If we have not heard from you by" in html
    assert "We aim to resolve it by" not in html  # the date moves while we wait
    answered = client.post(
        status_page, data={"csrf_token": csrf_from(html), "body": "Here it is, leg attached."}
    )
    assert answered.status_code == 303

    case = reload(case)
    assert case.status == "contacted"
    assert case.resolve_due >= due_before  # moved by the (working) time paused
    [ended] = events(case, "waiting_ended")
    assert ended.message.startswith("The customer answered: back in the queue.")
    assert "We are working on it" in client.get(status_page).text


def test_without_an_answer_the_case_returns_after_its_business_days(app, contacted, rita):
    asked = MONDAY_9 + timedelta(hours=3)  # Monday 12:00 local
    pause = waiting.wait_for_customer(contacted, rita, QUESTION, 1, contacted.version, asked)
    assert pause.resume_by == asked + timedelta(days=1)  # one working day: Tuesday 12:00

    assert waiting.return_unanswered(pause.resume_by - timedelta(minutes=1)) == []
    assert reload(contacted).status == "waiting"
    assert periodic.PERIODIC["return-unanswered-waits"].key == "waiting.return_unanswered"
    assert waiting.return_unanswered(pause.resume_by) == [contacted.id]
    assert waiting.return_unanswered(pause.resume_by) == []  # once

    case = reload(contacted)
    assert case.status == "contacted"
    # Paused Monday 12-17 and Tuesday 08-12: nine working hours later than Monday 09:00 the
    # week after (8 hours that Monday, 1 more on Tuesday): Tuesday 09:00 local.
    assert case.resolve_due == MONDAY_9 + timedelta(days=8)
    [ended] = events(case, "waiting_ended")
    assert ended.actor_kind == "system"
    assert "No answer from the customer in 1 business day: back in the queue." in ended.message
    # Back in the queue, the clock runs again and a passed deadline breaches.
    assert mark_breaches(case.resolve_due + timedelta(minutes=1)) == [(case.id, "resolution")]


def test_the_time_waited_is_left_out_of_the_resolution_time(app, contacted, rita):
    """docs/metrics.md: opened Monday 09:00, waiting Monday 12:00 to Tuesday 12:00, resolved
    Tuesday 15:00 (local, 08-17 team): 6 working hours, not 15."""
    tuesday_noon = MONDAY_9 + timedelta(days=1, hours=3)
    waiting.wait_for_customer(
        contacted, rita, QUESTION, 3, contacted.version, MONDAY_9 + timedelta(hours=3)
    )
    assert waiting.customer_answered(reload(contacted), tuesday_noon)
    case = reload(contacted)
    case_work.resolve(
        case, rita, "refund", "Refunded", case.version, tuesday_noon + timedelta(hours=3)
    )

    period = period_of("week", MONDAY_9)
    [fact] = load_facts(period, MONDAY_9 + timedelta(days=3)).cases
    assert fact.resolution_hours == pytest.approx(6.0)
    figures = compute_period(period, MONDAY_9 + timedelta(days=3))["all"][2]
    assert figures["resolution_median_hours"] == pytest.approx(6.0)


def test_a_case_not_yet_contacted_cannot_wait(app, rita):
    case = make_case(rita)
    with pytest.raises(RuleError, match="Contact the customer first"):
        waiting.wait_for_customer(case, rita, QUESTION, 3, case.version, utcnow())
    assert reload(case).status == "open"


def test_a_wait_without_a_question_or_with_odd_days_says_what_to_fix(client, login, rita):
    case = make_case(rita, status="contacted", first_contact_at=utcnow())
    login(rita)
    no_question = send_case_form(client, case.id, "wait", "wait", {"question": "", "days": "3"})
    assert no_question.status_code == 422
    assert "Write what you need from the customer: it is emailed to them." in no_question.text
    odd_days = send_case_form(client, case.id, "wait", "wait", {"question": QUESTION, "days": "99"})
    assert odd_days.status_code == 422
    assert "Choose how many business days to wait: 1, 2, 3, 5, 10." in odd_days.text
    assert reload(case).status == "contacted" and events(case, "waiting_for_customer") == []


def test_the_status_page_says_it_in_swedish(client, rita):
    case = make_case(rita, status="contacted", first_contact_at=utcnow())
    case.customer.locale = "sv"
    db.session.commit()
    waiting.wait_for_customer(case, rita, QUESTION, 3, case.version, utcnow())
    html = client.get(f"/status/{status_links.status_token(case)}").text
    assert "Vi väntar på ditt svar" in html
    assert "Om vi inte har hört av dig senast" in html


def test_a_rep_takes_a_waiting_case_back(client, login, rita):
    case = make_case(rita, status="contacted", first_contact_at=utcnow())
    waiting.wait_for_customer(case, rita, QUESTION, 3, case.version, utcnow())
    login(rita)
    response = send_case_form(client, reload(case).id, "take-back", "takeback", {})
    assert response.status_code == 302
    case = reload(case)
    assert case.status == "contacted"
    [ended] = events(case, "waiting_ended")
    assert ended.message.startswith("Taken back by Rita Rep: back in the queue.")


def test_a_waiting_case_is_not_overdue_in_the_queue_or_on_the_dashboard(client, login, rita):
    case = make_case(
        rita,
        customer_name="Carl Kund",
        status="contacted",
        first_contact_at=utcnow() - timedelta(days=9),
        opened=utcnow() - timedelta(days=10),
        resolve_due=utcnow() - timedelta(hours=1),
    )
    login(rita)
    assert f"/cases/{case.id}" in client.get("/cases/?overdue=y").text
    waiting.wait_for_customer(case, rita, QUESTION, 3, case.version, utcnow())
    overdue = client.get("/cases/?overdue=y").text
    assert f"/cases/{case.id}" not in overdue
    listed = client.get("/cases/").text
    assert f"/cases/{case.id}" in listed and "Waiting for the customer" in listed
    assert not overview.is_overdue(reload(case), utcnow())
