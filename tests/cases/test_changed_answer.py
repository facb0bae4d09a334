"""A customer changes the survey answer behind their case inside the change window: the case,
its timeline, the rep and every customer page follow the new answer, and the rep closes the
case as resolved by the customer in one step (issue 13, point 3)."""

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, CaseEvent, Customer, SurveyInvitation
from portal.services import status_links as case_links
from portal.tokens import make_token

from ..conftest import body_text, csrf_from
from .case_helpers import reload, send_case_form

OLD_WORDS = "Stolen kom trasig och ingen svarar när jag ringer."
NEW_WORDS = "Allt fungerar nu, tack!"


@pytest.fixture
def changed(client, rita, answer_survey, run_jobs):
    """Stina answers 2/5 in Swedish (a case opens), then changes it to 5/5 the same day."""
    customer = Customer(email="stina@example.org", name="Stina Kund", locale="sv")
    invitation = answer_survey(rita, customer, satisfaction="2", comment=OLD_WORDS)
    run_jobs()
    case = db.session.scalars(sa.select(Case)).one()
    assert (case.status, case.description, case.satisfaction_before) == ("open", OLD_WORDS, 2)

    path = f"/s/{make_token('survey', invitation.id)}"
    page = client.get(path).get_data(as_text=True)
    assert OLD_WORDS in page  # the form shows the answer to change
    sent = client.post(
        path, data={"csrf_token": csrf_from(page), "satisfaction": "5", "comment": NEW_WORDS}
    )
    assert sent.status_code == 303
    run_jobs()
    return reload(case), path


def test_the_case_shows_the_new_answer_with_the_old_one_in_its_timeline(changed, run_jobs):
    case, _ = changed
    assert (case.description, case.subject, case.satisfaction_before) == (NEW_WORDS, NEW_WORDS, 5)
    [event] = [e for e in case.events if e.kind == "answer_changed"]
    assert event.data["old"] == {"satisfaction": 2, "comment": OLD_WORDS}
    assert event.data["new"] == {"satisfaction": 5, "comment": NEW_WORDS}
    assert OLD_WORDS in event.message and NEW_WORDS in event.message

    run_jobs()  # again: nothing new to say
    count = sa.select(sa.func.count()).where(CaseEvent.kind == "answer_changed")
    assert db.session.scalar(count) == 1


def test_the_rep_is_emailed_the_old_and_the_new_answer_once(changed, outbox, run_jobs):
    case, _ = changed
    run_jobs()
    told = [m for m in outbox() if "changed their answer" in m["Subject"]]
    assert [m["To"] for m in told] == ["rita@example.com"]
    text = body_text(told[0])
    assert "Before: 2/5" in text and OLD_WORDS in text
    assert "Now: 5/5" in text and NEW_WORDS in text
    assert f"/cases/{case.id}#customer-resolved-form" in text


def test_the_customers_pages_follow_the_new_answer_in_swedish(client, changed):
    case, path = changed
    thanks = client.get(f"{path}/thanks").get_data(as_text=True)
    assert "Vi beklagar" not in thanks
    assert "Vad roligt att det har ordnat sig." in thanks

    status = client.get(f"/status/{case_links.status_token(case)}").get_data(as_text=True)
    assert NEW_WORDS in status and OLD_WORDS not in status


def test_the_rep_closes_it_as_resolved_by_the_customer_in_one_step(client, login, rita, changed):
    case, _ = changed
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "The customer changed their answer" in page
    assert NEW_WORDS in page and "5/5" in page
    assert "Close as resolved by the customer" in page

    response = send_case_form(
        client, case.id, "resolved-by-customer", "resolved_by_customer", {"note": ""}, html=page
    )
    assert response.status_code == 302
    case = reload(case)
    assert (case.status, case.outcome) == ("closed", "no_action")
    assert case.resolved_at is not None and case.closed_at is not None
    assert "Resolved by the customer" in case.resolution_summary
    # They just told us it is sorted: no "did this fix it?" survey.
    followups = sa.select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    assert db.session.scalars(followups).all() == []
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Close as resolved by the customer" not in page
    assert re.search(r"Closed by Rita Rep as resolved by the customer", page)


def test_the_close_is_offered_only_after_a_change(client, login, rita, answer_survey, run_jobs):
    customer = Customer(email="olle@example.org", name="Olle Kund", locale="en")
    answer_survey(rita, customer)
    run_jobs()
    case = db.session.scalars(sa.select(Case)).one()
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Close as resolved by the customer" not in page
    # A form made up by hand, with the case's current version, is refused by the rule.
    refused = send_case_form(
        client,
        case.id,
        "resolved-by-customer",
        "resolved_by_customer",
        {"note": "", "version": str(case.version)},
        html=page,
    )
    assert refused.status_code == 422
    assert "Only a case whose customer changed their answer" in refused.get_data(as_text=True)
    assert reload(case).status == "open"


def test_a_closed_case_reopens_when_the_customer_changes_back_to_unhappy(
    client, login, rita, changed, run_jobs
):
    """Closed as resolved by the customer, then the customer says it broke again: the case is
    back in the queue and the customer's page no longer says closed or 'resolved by you'."""
    case, path = changed
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    send_case_form(
        client,
        case.id,
        "resolved-by-customer",
        "resolved_by_customer",
        {"note": "Internal: spoke to the warehouse"},
        html=page,
    )
    case = reload(case)
    assert case.status == "closed"
    assert "warehouse" not in case.resolution_summary  # the rep's note is not for the customer
    client.post("/logout", data={"csrf_token": csrf_from(page)})

    page = client.get(path).get_data(as_text=True)
    again = "Den gick sönder igen idag. Fortfarande inte löst!"
    sent = client.post(
        path, data={"csrf_token": csrf_from(page), "satisfaction": "1", "comment": again}
    )
    assert sent.status_code == 303
    run_jobs()
    case = reload(case)
    assert case.status == "reopened" and case.reopen_count == 1
    assert case.description == again
    status_page = client.get(f"/status/{case_links.status_token(case)}").get_data(as_text=True)
    assert again in status_page and "Resolved by the customer" not in status_page
