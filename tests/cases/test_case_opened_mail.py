"""When a customer's negative survey answer opens a case, the customer hears from us: sorry to
hear it, who will contact them and by when (in their time zone), and the case's status link.
Cases are opened the real way: the answer posted on the survey page, analysed by the job."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_datetime

from portal import jobs
from portal.extensions import db
from portal.jobs.customer_mail import send_case_opened_to_customer
from portal.jobs.triage import analyse_response
from portal.models import Case, CaseEvent, Customer, SurveyResponse, utcnow

from ..conftest import body_text

BASE = "https://portal.example.test"
STATUS_LINK = re.compile(r"https://portal\.example\.test/status/[\w.-]+")
ANGRY = "The chair broke after two days and nobody answers the phone. Very disappointed."
OPENED_EN = "We have opened a case about your feedback"
OPENED_SV = "Vi har öppnat ett ärende om dina synpunkter"


@pytest.fixture
def answer_badly(rita, case_from_answer):
    """A customer answers a post-sale survey angrily on the survey page, ticking "You may
    contact me"; the job runs."""

    def answer(rep="rita", **customer_fields) -> Case:
        fields = {"email": "carl@example.org", "name": "Carl Kund", "locale": "en"}
        customer = Customer(**{**fields, **customer_fields})
        case = case_from_answer(
            rita if rep == "rita" else rep, customer, comment=ANGRY, may_contact=True
        )
        assert case is not None
        return case

    return answer


def opened_mails(messages, subject=OPENED_EN) -> list:
    return [m for m in messages if m["To"] == "carl@example.org" and subject in m["Subject"]]


def when(case: Case, tz: str, locale: str = "en") -> str:
    pattern = "EEEE d MMMM y 'kl.' HH:mm" if locale == "sv" else "EEEE d MMMM y 'at' HH:mm"
    return format_datetime(case.first_contact_due, pattern, tzinfo=ZoneInfo(tz), locale=locale)


def test_the_customer_is_told_who_will_contact_them_by_when_with_a_working_link(
    client, answer_badly, outbox
):
    case = answer_badly(timezone="America/New_York")

    [message] = opened_mails(outbox())
    assert message["Subject"] == f"{OPENED_EN} (#{case.id})"
    text = body_text(message)
    assert "Hello Carl Kund," in text
    assert "We are sorry to hear that things did not go as they should" in text
    # The rep's first name, and the deadline in the customer's own time zone.
    assert f"Rita will contact you by {when(case, 'America/New_York')} (New York time)." in text
    assert "Rita Rep" not in text
    link = STATUS_LINK.search(text).group(0)
    assert link in message.get_body(preferencelist=("html",)).get_content()

    page = client.get(link.removeprefix(BASE))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert ANGRY in html and 'name="body"' in html  # they can read it and write back
    # The page names the same person as the email did, and the rep's page names them too.
    assert "Rita is handling your case and will contact you." in html
    assert case.assigned_rep.name == "Rita Rep"
    told = db.session.scalar(
        sa.select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "customer_told_case_opened"
        )
    )
    assert told is not None


def test_a_swedish_customer_gets_it_in_swedish(answer_badly, outbox):
    case = answer_badly(locale="sv", timezone="Europe/Stockholm")
    [message] = opened_mails(outbox(), OPENED_SV)
    text = body_text(message)
    assert "Tack för ditt svar." in text
    assert (
        f"Rita kontaktar dig senast {when(case, 'Europe/Stockholm', 'sv')} (tid i Stockholm)."
        in text
    )
    assert opened_mails(outbox()) == []


def test_a_case_in_the_triage_queue_promises_someone_from_the_team(client, answer_badly, outbox):
    case = answer_badly(rep=None)
    assert case.assigned_rep_id is None
    [message] = opened_mails(outbox())
    text = body_text(message)
    assert "Someone from our team will contact you by" in text
    # The status page says the same, naming nobody: no rep has the case yet.
    page = client.get(STATUS_LINK.search(text).group(0).removeprefix(BASE)).get_data(as_text=True)
    assert "a member of our team will contact you by" in page
    assert "is handling your" not in page and "The person handling" not in page


def test_sent_once_however_often_the_jobs_run(answer_badly, outbox, run_jobs):
    case = answer_badly()
    assert len(opened_mails(outbox())) == 1
    # The analysis again (a retry) opens no second case and queues no second email;
    # the mail job again finds itself done.
    response_id = db.session.scalar(sa.select(SurveyResponse.id))
    jobs.enqueue(analyse_response, response_id, family="analysis")
    jobs.enqueue(send_case_opened_to_customer, case.id, family="mail")
    run_jobs()
    assert send_case_opened_to_customer(case.id) is False
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1
    assert len(opened_mails(outbox())) == 1


def test_never_to_a_bounced_address(answer_badly, outbox):
    case = answer_badly(bounced_at=utcnow() - timedelta(days=1))
    assert case.status == "open"  # the case is opened all the same
    assert opened_mails(outbox()) == []


def test_an_unsubscribed_customer_still_hears_about_their_own_case(answer_badly, outbox):
    answer_badly(unsubscribed_at=utcnow() - timedelta(days=1))
    assert len(opened_mails(outbox())) == 1
