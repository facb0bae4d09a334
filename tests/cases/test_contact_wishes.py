"""What the customer asked for about being contacted reaches the rep (case page, email, queue
search and filter), and every customer page words its promise after what they chose (issue 13,
point 2)."""

import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, utcnow
from portal.tokens import make_token

from ..conftest import body_text, csrf_from
from .conftest import ANGRY

PHONE = "+46 70 123 45 67"


@pytest.fixture
def carls_order(make_sale, rita):
    customer = Customer(email="carl@example.org", name="Carl Kund", locale="en")
    return make_sale(rep=rita, customer=customer, order_ref="ORD-7", sold_at=utcnow())


def mails_to(outbox, address: str) -> list:
    return [m for m in outbox() if m["To"] == address]


def path_of(text: str, prefix: str) -> str:
    [url] = [u for u in re.findall(r"https?://\S+", text) if urlsplit(u).path.startswith(prefix)]
    return urlsplit(url).path


def complain_by_phone(client, run_jobs, outbox) -> Case:
    """Carl files a complaint on /complaint asking to be called, and confirms it."""
    page = client.get("/complaint").get_data(as_text=True)
    sent = client.post(
        "/complaint",
        data={
            "csrf_token": csrf_from(page),
            "order_ref": "ORD-7",
            "email": "carl@example.org",
            "name": "Carl Kund",
            "category": "product_quality",
            "description": "The chair arrived with a broken leg. Please call me.",
            "contact_preference": "phone",
            "phone": PHONE,
            "website": "",
        },
    )
    assert sent.status_code == 303
    run_jobs()
    [confirmation] = mails_to(outbox, "carl@example.org")
    confirm = path_of(body_text(confirmation), "/complaint/confirm/")
    page = client.get(confirm).get_data(as_text=True)
    assert client.post(confirm, data={"csrf_token": csrf_from(page)}).status_code == 303
    run_jobs()
    db.session.expire_all()
    return db.session.scalars(sa.select(Case)).one()


def queue_ids(client, **args) -> set[int]:
    html = client.get("/cases/", query_string=args).get_data(as_text=True)
    return {int(n) for n in re.findall(r'href="/cases/(\d+)"', html)}


def test_a_customer_who_asked_to_be_called_is_called(
    client, login, rita, carls_order, run_jobs, outbox
):
    case = complain_by_phone(client, run_jobs, outbox)
    # A complaint is asking to be contacted: a first-contact deadline, whatever the form.
    assert case.contact_wanted is True and case.first_contact_due is not None

    # The customer was told we would call, and the status page says so, with their number.
    received = mails_to(outbox, "carl@example.org")[-1]
    assert "We will call you, as you asked." in body_text(received)
    status = client.get(path_of(body_text(received), "/complaint/status/"))
    html = status.get_data(as_text=True)
    said = re.sub(r"<[^>]+>", "", html)  # the words, whatever markup keeps the number whole
    assert f"Rita is handling your complaint and will call you on {PHONE}." in said
    assert "We will call you by" in html

    # The rep's email says so too.
    [to_rep] = mails_to(outbox, "rita@example.com")
    assert f'Contact: call them on {PHONE} (they chose "By phone")' in body_text(to_rep)
    assert PHONE in to_rep.get_body(preferencelist=("html",)).get_content()

    # So does the case page, with a number to tap.
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Call them" in page and 'href="tel:+46701234567"' in page

    # The queue finds the case by the number however it is typed, and by the wish.
    assert queue_ids(client, q="070-123 45 67") == {case.id}
    assert queue_ids(client, q="+46701234567") == {case.id}
    assert queue_ids(client, q="070 999 99 99") == set()
    assert queue_ids(client, contact="phone") == {case.id}
    assert queue_ids(client, contact="email") == set()


def answer_and_thank(client, answer_survey, run_jobs, rita, locale="en", may_contact=False):
    """Dora answers angrily; once the analysis has run, she (re)opens the thank-you page."""
    customer = Customer(email="dora@example.org", name="Dora Kund", locale=locale)
    invitation = answer_survey(rita, customer, comment=ANGRY, may_contact=may_contact)
    run_jobs()
    thanks = client.get(f"/s/{make_token('survey', invitation.id)}/thanks")
    assert thanks.status_code == 200
    db.session.expire_all()
    case = db.session.scalars(sa.select(Case).where(Case.customer_id == customer.id)).one()
    return case, thanks.get_data(as_text=True)


def test_a_survey_answer_without_consent_is_not_promised_a_call(
    client, login, rita, answer_survey, run_jobs, outbox
):
    case, thanks = answer_and_thank(client, answer_survey, run_jobs, rita)

    assert "Someone will contact you" not in thanks
    assert (
        "You did not ask us to contact you, so we will only get in touch if we need to ask "
        "you something." in thanks
    )
    [opened] = mails_to(outbox, "dora@example.org")
    assert "will contact you" not in body_text(opened)
    assert "You did not ask us to contact you" in body_text(opened)
    status = client.get(path_of(body_text(opened), "/status/")).get_data(as_text=True)
    assert "We will contact you by" not in status
    assert "we will only get in touch if we need to ask you something" in status

    [to_rep] = mails_to(outbox, "rita@example.com")
    assert "Contact: they did not ask to be contacted" in body_text(to_rep)
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Did not ask to be contacted" in page
    assert queue_ids(client, contact="none") == {case.id}
    assert queue_ids(client, contact="email") == set()


def test_a_survey_answer_with_consent_is_promised_an_email(
    client, login, rita, answer_survey, run_jobs, outbox
):
    case, thanks = answer_and_thank(client, answer_survey, run_jobs, rita, may_contact=True)

    assert "Someone will contact you about it by email, at dora@example.org" in thanks
    [to_rep] = mails_to(outbox, "rita@example.com")
    assert 'Contact: email them (they ticked "You may contact me")' in body_text(to_rep)
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Email them" in page and "They ticked" in page
    assert queue_ids(client, contact="email") == {case.id}


def test_the_survey_offers_what_it_can_honour_in_swedish_too(client, answer_survey, run_jobs, rita):
    _, thanks = answer_and_thank(client, answer_survey, run_jobs, rita, locale="sv")
    assert "Du bad inte om att bli kontaktad, så vi hör bara av oss" in thanks
    assert "Någon kommer att kontakta dig" not in thanks
    invitation_token = re.search(r'href="/s/([^/"]+)"', thanks).group(1)
    survey = client.get(f"/s/{invitation_token}").get_data(as_text=True)
    assert "Ni får kontakta mig via e-post om mitt svar." in survey
