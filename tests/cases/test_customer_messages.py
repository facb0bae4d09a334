"""A rep writes to the customer from the case; the customer reads it on their case's status page
(reached from the email) and writes back; the rep is told. Cases are opened the real way: a
customer's negative survey answer, analysed by the job."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_datetime
from markupsafe import escape

from portal.extensions import db
from portal.jobs.customer_mail import notify_rep_of_customer_message, send_message_to_customer
from portal.models import Case, CaseEvent, Customer, SurveyInvitation, utcnow
from portal.services import status_links as case_links
from portal.services.cases import messages as customer_messages
from portal.services.cases import work as case_work
from portal.services.cases.messages import MESSAGE_MAX
from portal.services.rules import RuleError
from portal.tokens import make_token, read_token

from ..conftest import body_text, csrf_from

BASE = "https://portal.example.test"
STATUS_LINK = re.compile(r"https://portal\.example\.test/status/[\w.-]+")
ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."


# --- fixtures: a rep, and a case opened by a customer's answer ---------------------------------


@pytest.fixture
def open_case(rita, case_from_answer):
    """A case opened from a negative survey answer submitted through the survey page, by a
    customer who ticked "You may contact me"."""

    def make(locale="en", tz=None, email="carl@example.org") -> Case:
        customer = Customer(email=email, name="Carl Kund", locale=locale, timezone=tz)
        case = case_from_answer(rita, customer, comment=ANGRY, may_contact=True)
        assert case is not None and case.assigned_rep_id == rita.id
        return case

    return make


def write_to_customer(case: Case, rep, body: str) -> CaseEvent:
    """What the rep's "Email the customer" action on the case does."""
    return case_work.email_customer(case, rep, body, case.version, utcnow())


def status_path(case: Case) -> str:
    return f"/status/{case_links.status_token(case)}"


def reply(client, path: str, body: str, **headers):
    page = client.get(path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(page), "body": body}, headers=headers)


def mails_to(messages, address: str, subject_part: str = "") -> list:
    # Not the "we have opened a case" email the customer got when the case was opened.
    opened = ("We have opened a case", "Vi har öppnat ett ärende")
    return [
        m
        for m in messages
        if m["To"] == address
        and subject_part in m["Subject"]
        and not m["Subject"].startswith(opened)
    ]


# --- the rep's message reaches the customer ------------------------------------------------------


def test_a_reps_message_reaches_the_customer_with_a_working_status_link(
    client, open_case, rita, smtp_server, run_jobs
):
    case = open_case()
    write_to_customer(case, rita, "Hi Carl,\nthe refund is on its way: 1 250 SEK by Friday.")
    run_jobs()

    [message] = mails_to(smtp_server.messages, "carl@example.org")
    assert message["Subject"] == f"A message about your case #{case.id}"
    text = body_text(message)
    assert "Rita Rep has written to you about your case:" in text
    assert "the refund is on its way: 1 250 SEK by Friday." in text
    link = STATUS_LINK.search(text).group(0)
    assert link in message.get_body(preferencelist=("html",)).get_content()

    page = client.get(link.removeprefix(BASE))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "We are working on it" in html  # the rep's email counted as the first contact
    assert "Rita Rep" in html and "the refund is on its way: 1 250 SEK by Friday." in html
    assert ANGRY in html  # what the customer told us
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_the_message_is_in_the_customers_language_and_its_html_is_escaped(
    client, open_case, rita, outbox, run_jobs
):
    case = open_case(locale="sv")
    write_to_customer(case, rita, "Hej! <b>Återbetalningen</b> är på väg & klar.")
    run_jobs()

    [message] = mails_to(outbox(), "carl@example.org")
    assert message["Subject"] == f"Ett meddelande om ditt ärende #{case.id}"
    assert "Rita Rep har skrivit till dig om ditt ärende:" in body_text(message)
    assert "<b>Återbetalningen</b>" in body_text(message)  # plain text: as written
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;Återbetalningen&lt;/b&gt; är på väg &amp; klar." in html
    assert "<b>Återbetalningen</b>" not in html


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write a message before sending."),
        ("   \n ", "Write a message before sending."),
        ("x" * (MESSAGE_MAX + 1), f"please keep it under {MESSAGE_MAX}"),
    ],
)
def test_an_empty_or_too_long_message_is_refused_with_what_to_fix(open_case, rita, body, error):
    case = open_case()
    with pytest.raises(RuleError, match=re.escape(error)):
        customer_messages.send_to_customer(case, rita, body, utcnow())
    db.session.rollback()
    assert customer_messages.conversation(case) == []


def test_the_message_job_run_twice_sends_once(open_case, rita, outbox, run_jobs):
    case = open_case()
    event = write_to_customer(case, rita, "Your replacement ships tomorrow.")
    run_jobs()
    assert send_message_to_customer(event.id) is False
    assert len(mails_to(outbox(), "carl@example.org")) == 1


def test_after_a_negative_answer_the_thanks_page_links_to_the_new_case(client, open_case):
    case = open_case(locale="sv")
    invitation = db.session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.customer_id == case.customer_id)
    )
    html = client.get(f"/s/{make_token('survey', invitation.id)}/thanks").get_data(as_text=True)
    assert "Följ ditt ärende" in html
    # The link is the case's own status link. Not compared with a token signed here: a token
    # carries the second it was signed, and the page may have been rendered a second earlier.
    [token] = re.findall(r'href="/status/([^"]+)"', html)
    assert read_token("case-status", token, max_age=None) == case.id


# --- the status page ------------------------------------------------------------------------------


def test_the_status_page_shows_promised_dates_in_the_customers_zone_and_language(client, open_case):
    case = open_case(locale="sv", tz="America/New_York")
    html = client.get(status_path(case)).get_data(as_text=True)

    assert 'lang="sv"' in html
    assert "Ditt ärende" in html and "Vi tittar på det" in html  # the case's state
    assert "Vi kontaktar dig senast" in html and "Inga meddelanden än." in html
    pattern = "EEEE d MMMM y 'kl.' HH:mm"
    zone = ZoneInfo("America/New_York")
    for moment in (case.first_contact_due, case.resolve_due):
        assert format_datetime(moment, pattern, tzinfo=zone, locale="sv") in html
    assert "Tiderna är lokal tid i New York." in html and "America/New_York" not in html
    # ?lang=en switches the page, not the dates' time zone.
    english = client.get(status_path(case) + "?lang=en").get_data(as_text=True)
    assert "We will contact you by" in english and "Your case" in english


def test_the_customers_reply_lands_on_the_case_and_the_rep_is_emailed_once(
    client, open_case, rita, outbox, run_jobs
):
    case = open_case()
    path = status_path(case)
    response = reply(client, path, "  It has still not arrived.\nPlease call me.  ")
    assert response.status_code == 303
    run_jobs()

    [event] = db.session.scalars(
        sa.select(CaseEvent).where(
            CaseEvent.case_id == case.id, CaseEvent.kind == "customer_message"
        )
    )
    assert (event.actor_kind, event.message) == (
        "customer",
        "It has still not arrived.\nPlease call me.",
    )
    after = client.get(response.headers["Location"].removeprefix(BASE)).get_data(as_text=True)
    assert "Your message has been sent." in after and "It has still not arrived." in after

    [to_rep] = mails_to(outbox(), "rita@example.com", "wrote back")
    assert f"Case #{case.id}: Carl Kund wrote back" == to_rep["Subject"]
    assert "It has still not arrived." in body_text(to_rep)
    assert f"/cases/{case.id}" in body_text(to_rep)
    # The job run again (a retry, a second worker) sends nothing more.
    assert notify_rep_of_customer_message(event.id) is False
    assert len(mails_to(outbox(), "rita@example.com", "wrote back")) == 1


def test_a_double_click_on_send_stores_one_message_and_tells_the_rep_once(
    client, open_case, outbox, run_jobs
):
    case = open_case()
    path = status_path(case)
    page = client.get(path).get_data(as_text=True)
    for _ in range(2):
        data = {"csrf_token": csrf_from(page), "body": "Any news?"}
        assert client.post(path, data=data).status_code == 303
    run_jobs()
    assert [e.message for e in customer_messages.conversation(case)] == ["Any news?"]
    assert len(mails_to(outbox(), "rita@example.com", "wrote back")) == 1


def test_an_empty_reply_explains_what_to_fix_and_stores_nothing(client, open_case):
    case = open_case(locale="sv")
    response = reply(client, status_path(case), "   ")
    assert response.status_code == 422
    assert "Skriv ditt meddelande först." in response.get_data(as_text=True)
    assert customer_messages.conversation(case) == []


def test_the_reply_form_needs_its_csrf_token_and_keeps_the_words(client, open_case):
    case = open_case()
    response = client.post(status_path(case), data={"body": "Where is my refund?"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Where is my refund?" in html and "was not sent yet" in html
    assert customer_messages.conversation(case) == []
    # The fresh token on that page works.
    again = client.post(
        status_path(case), data={"csrf_token": csrf_from(html), "body": "Where is my refund?"}
    )
    assert again.status_code == 303
    assert len(customer_messages.conversation(case)) == 1


def test_too_many_replies_on_one_link_get_a_friendly_429_that_keeps_the_words(client, open_case):
    case = open_case()
    path = status_path(case)
    for n in range(10):
        ip = {"REMOTE_ADDR": f"198.51.100.{n + 1}"}
        page = client.get(path).get_data(as_text=True)
        sent = client.post(
            path, data={"csrf_token": csrf_from(page), "body": f"Message {n}"}, environ_base=ip
        )
        assert sent.status_code == 303
    page = client.get(path).get_data(as_text=True)
    refused = client.post(
        path,
        data={"csrf_token": csrf_from(page), "body": "One more thing"},
        environ_base={"REMOTE_ADDR": "198.51.100.99"},
    )
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Please wait a while" in html and "One more thing" in html
    assert len(customer_messages.conversation(case)) == 10


def test_a_script_in_a_reply_is_shown_as_text_to_the_rep(
    client, open_case, rita, login, outbox, run_jobs
):
    case = open_case()
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert reply(client, status_path(case), attack).status_code == 303
    run_jobs()
    # On the customer's page...
    html = client.get(status_path(case)).get_data(as_text=True)
    assert attack not in html and str(escape(attack)) in html
    # ...on the rep's case page...
    client.get("/logout")
    login(rita)
    staff = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert attack not in staff and "&lt;script&gt;alert(" in staff
    # ...and in the rep's email.
    [to_rep] = mails_to(outbox(), "rita@example.com", "wrote back")
    assert attack not in to_rep.get_body(preferencelist=("html",)).get_content()


def test_the_complaint_status_link_shows_the_conversation_once_the_case_exists(
    client, open_case, rita, run_jobs
):
    from portal.models import Complaint

    case = open_case()
    complaint = Complaint(
        email="carl@example.org",
        name="Carl Kund",
        category="delivery",
        description="The parcel never came.",
        customer_id=case.customer_id,
        confirmed_at=utcnow(),
    )
    db.session.add(complaint)
    db.session.flush()
    case.complaint_id = complaint.id
    db.session.commit()
    write_to_customer(case, rita, "We are sending a new parcel today.")
    run_jobs()
    html = client.get(f"/complaint/status/{make_token('complaint-status', complaint.id)}").get_data(
        as_text=True
    )
    assert "We are sending a new parcel today." in html
    # The form writes to this case's status page (the token is timed: compare what it names).
    action = re.search(r'action="/status/([\w.-]+)', html)
    assert action and read_token("case-status", action.group(1), max_age=60) == case.id


# --- links that do not work ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["tampered", "other-purpose", "unknown-case", "survey-page"])
def test_bad_case_links_get_a_friendly_page_that_reveals_nothing(client, open_case, kind):
    case = open_case()
    token = case_links.status_token(case)
    path = {
        "tampered": f"/status/{token[:-2]}xy",
        "other-purpose": f"/status/{make_token('complaint-status', case.id)}",
        "unknown-case": f"/status/{make_token('case-status', case.id + 1000)}",
        "survey-page": f"/s/{token}",
    }[kind]
    response = client.get(path)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "does not work" in html
    assert ANGRY not in html and "Carl" not in html


def test_a_case_link_expires_90_days_after_the_case_is_closed(client, open_case):
    case = open_case()
    path = status_path(case)
    case.status, case.closed_at = "closed", utcnow() - timedelta(days=89)
    db.session.commit()
    assert client.get(path).status_code == 200
    case.closed_at = utcnow() - timedelta(days=91)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "This link has expired" in html and "90 days after the case is closed" in html
    assert ANGRY not in html
