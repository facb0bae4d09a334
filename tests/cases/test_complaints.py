"""The public complaint form, its confirmation link, the survey-link form and the status page,
as a customer meets them."""

import re
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from portal.extensions import db
from portal.jobs import outbox as work_outbox
from portal.models import Case, Complaint, Customer, OutboxJob, SurveyInvitation, utcnow
from portal.services.setup import ensure_sla_policies
from portal.tokens import make_token

from ..conftest import body_text, csrf_from

BASE = "https://portal.example.test"
WORDS = "The chair arrived with a broken leg and nobody answers the phone."


@pytest.fixture
def sold(app, make_team, make_user, make_sale):
    """Order ORD-7 of Carl (carl@example.org), sold by Rita of team North."""
    ensure_sla_policies()
    lead = make_user("manager", name="Maja Manager")
    north = make_team("North", lead=lead)
    rita = make_user("rep", team=north, name="Rita Rep", email="rita@example.com")

    def make(locale="en", timezone=None, email="carl@example.org", order_ref="ORD-7"):
        customer = Customer(email=email, name="Carl Kund", locale=locale, timezone=timezone)
        return make_sale(rep=rita, customer=customer, order_ref=order_ref)

    return make


def complain(client, headers=None, ip="192.0.2.10", url="/complaint", **fields):
    """Open the form like a browser, then send it."""
    env = {"REMOTE_ADDR": ip}
    page = client.get(url, headers=headers, environ_overrides=env).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "order_ref": "ORD-7",
        "email": "carl@example.org",
        "name": "Carl Kund",
        "category": "product_quality",
        "description": WORDS,
        "contact_preference": "email",
        "phone": "",
        "website": "",
    }
    data.update(fields)
    return client.post(url, data=data, headers=headers, environ_overrides=env)


def complaints():
    db.session.expire_all()
    return db.session.scalars(sa.select(Complaint).order_by(Complaint.id)).all()


def cases():
    db.session.expire_all()
    return db.session.scalars(sa.select(Case).order_by(Case.id)).all()


def mails_to(outbox, address):
    return [m for m in outbox() if m["To"] == address]


def link_in(message, path: str) -> str:
    links = re.findall(r"https?://\S+", body_text(message))
    [link] = [url for url in links if urlsplit(url).path.startswith(path)]
    return link


def path_of(url: str) -> str:
    return urlsplit(url).path


def confirm_link(run_jobs, outbox, address="carl@example.org") -> str:
    run_jobs()
    [message] = mails_to(outbox, address)
    return link_in(message, "/complaint/confirm/")


def confirm(client, link: str):
    page = client.get(path_of(link)).get_data(as_text=True)
    return client.post(path_of(link), data={"csrf_token": csrf_from(page)})


# --- filing a complaint ------------------------------------------------------------------------


def test_submitting_stores_the_complaint_and_mails_a_confirmation_link(
    client, sold, run_jobs, outbox
):
    sold()
    response = complain(client, email=" Carl@Example.org ")
    assert response.status_code == 303
    [stored] = complaints()
    assert (stored.email, stored.description, stored.category) == (
        "carl@example.org",
        WORDS,
        "product_quality",
    )
    assert stored.confirmed_at is None and stored.sale_id is None  # nothing matched yet

    link = confirm_link(run_jobs, outbox)
    assert link.startswith(f"{BASE}/complaint/confirm/")
    [message] = outbox()
    assert message["Subject"] == "Confirm your complaint"
    # An unproven address gets none of the sender's text.
    assert "broken leg" not in body_text(message) and "Carl" not in body_text(message)
    assert cases() == []


def test_the_complaint_is_kept_when_the_mail_server_is_down(client, app, sold, run_jobs, outbox):
    sold()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    response = complain(client)
    assert response.status_code == 303
    assert "Check your email" in client.get(response.headers["Location"]).get_data(as_text=True)
    [stored] = complaints()
    assert stored.description == WORDS
    assert outbox() == []
    # The mail server is back: the sweep sends what is still waiting.
    app.config.update(MAIL_SERVER=None)
    work_outbox.requeue_stalled(now=utcnow() + timedelta(minutes=10))
    work_outbox.flush()
    assert confirm_link(run_jobs, outbox).startswith(f"{BASE}/complaint/confirm/")


def _answer_page(client, response, email):
    assert response.status_code == 303
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page.get_data(as_text=True).replace(email, "EMAIL")


def test_the_answer_is_the_same_whether_or_not_the_order_exists(app, sold):
    sold()
    real = app.test_client()
    body_real = _answer_page(real, complain(real), "carl@example.org")
    stranger = app.test_client()
    body_fake = _answer_page(
        stranger,
        complain(stranger, order_ref="ORD-NOPE", email="eve@example.net", ip="192.0.2.99"),
        "eve@example.net",
    )
    assert "We have received your complaint" in body_real
    assert "confirm it with the link we emailed to EMAIL" in body_real
    assert body_real == body_fake


def test_a_filled_honeypot_stores_nothing_and_answers_the_same(app, sold, run_jobs, outbox):
    sold()
    person, bot = app.test_client(), app.test_client()
    body_person = _answer_page(person, complain(person), "carl@example.org")
    [_] = complaints()
    body_bot = _answer_page(
        bot, complain(bot, website="https://spam.example", ip="192.0.2.66"), "carl@example.org"
    )
    assert body_bot == body_person
    assert len(complaints()) == 1
    run_jobs()
    assert len(outbox()) == 1  # the person's confirmation only


def test_the_honeypot_is_hidden_from_people(client):
    page = client.get("/complaint").get_data(as_text=True)
    hidden = re.search(r'<div class="complaint-hp" aria-hidden="true">(.*?)</div>', page, re.S)
    assert hidden, "the honeypot is wrapped in an aria-hidden, visually hidden block"
    assert 'tabindex="-1"' in hidden.group(1) and 'autocomplete="off"' in hidden.group(1)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"description": ""}, "Tell us what happened."),
        ({"description": "Too short"}, "Please write between 10 and 5000 characters."),
        ({"description": "x" * 5001}, "Please write between 10 and 5000 characters."),
        ({"email": "carl.example.org"}, "Enter an email address like name@example.com."),
        ({"name": ""}, "Enter your name."),
        ({"category": ""}, "Choose what your complaint is about."),
        ({"contact_preference": "phone"}, "Give us a phone number to call, or choose email."),
        ({"phone": "call me maybe"}, "Write the phone number with digits"),
    ],
    ids=["no-text", "short", "long", "email", "name", "category", "phone-missing", "phone-bad"],
)
def test_a_form_with_a_mistake_explains_it_and_keeps_the_words(client, fields, message):
    fields = {"description": "My words stay here, all of them.", **fields}
    response = complain(client, **fields)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    if len(fields["description"]) < 100:
        assert fields["description"] in body
    assert complaints() == []


def test_a_double_click_stores_one_complaint_and_sends_one_email(client, sold, run_jobs, outbox):
    sold()
    page = client.get("/complaint").get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page),
        "order_ref": "ORD-7",
        "email": "carl@example.org",
        "name": "Carl Kund",
        "category": "delivery",
        "description": WORDS,
        "contact_preference": "email",
    }
    assert client.post("/complaint", data=data).status_code == 303
    assert client.post("/complaint", data=data).status_code == 303
    assert len(complaints()) == 1
    run_jobs()
    assert len(outbox()) == 1
    # Corrected and sent again, it is a complaint of its own.
    assert client.post("/complaint", data={**data, "order_ref": "ORD-8"}).status_code == 303
    assert len(complaints()) == 2


def test_a_phone_number_is_accepted_loosely(client, sold):
    sold()
    response = complain(client, contact_preference="phone", phone="+46 (0)70-123 45 67")
    assert response.status_code == 303
    [stored] = complaints()
    assert (stored.contact_preference, stored.phone) == ("phone", "+46 (0)70-123 45 67")


def test_a_page_left_open_until_the_session_is_gone_keeps_the_words(client, sold):
    sold()
    page = client.get("/complaint").get_data(as_text=True)
    token = csrf_from(page)
    client.delete_cookie("session")
    data = {
        "csrf_token": token,
        "order_ref": "ORD-7",
        "email": "carl@example.org",
        "name": "Carl Kund",
        "category": "delivery",
        "description": WORDS,
        "contact_preference": "email",
    }
    response = client.post("/complaint", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert WORDS in body and "press the button again" in body
    assert complaints() == []
    retry = client.post("/complaint", data={**data, "csrf_token": csrf_from(body)})
    assert retry.status_code == 303
    assert complaints()[0].description == WORDS


def test_the_form_speaks_the_browsers_language_or_the_one_picked(client):
    swedish = client.get("/complaint", headers={"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"})
    page = swedish.get_data(as_text=True)
    assert '<html lang="sv">' in page
    assert "Berätta vad som gick fel" in page
    assert 'href="/complaint?lang=en"' in page  # the switch to English
    picked = client.get("/complaint?lang=en", headers={"Accept-Language": "sv"})
    assert "Tell us what went wrong" in picked.get_data(as_text=True)


def test_too_many_complaints_with_one_email_get_a_friendly_429(client, sold):
    sold()
    for n in range(5):
        words = f"Complaint {n}: {WORDS}"
        assert complain(client, ip=f"198.51.100.{n + 1}", description=words).status_code == 303
    response = complain(client, ip="198.51.100.77", description="Sixth time: " + WORDS)
    body = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Please wait a while" in body
    assert "carl@example.org" not in body and "ORD-7" not in body
    assert "Sixth time: " + WORDS in body  # their words, back to them to copy
    assert response.headers["Cache-Control"] == "no-store"
    assert len(complaints()) == 5
    # Another customer behind one of those addresses is not affected.
    assert complain(client, ip="198.51.100.1", email="other@example.org").status_code == 303


def test_the_429_page_is_in_the_customers_language(client, sold):
    sold()
    headers = {"Accept-Language": "sv"}
    for n in range(5):
        complain(client, headers=headers, ip=f"198.51.100.{n + 1}", description=f"{n}: {WORDS}")
    response = complain(client, headers=headers, ip="198.51.100.50")
    assert response.status_code == 429
    assert "Vänta en stund" in response.get_data(as_text=True)


# --- confirming --------------------------------------------------------------------------------


def test_opening_the_confirm_link_changes_nothing_and_the_button_confirms(
    client, sold, run_jobs, outbox
):
    sale = sold()
    complain(client)
    link = confirm_link(run_jobs, outbox)
    for _ in range(3):  # the customer, and two mail scanners
        page = client.get(path_of(link))
        assert page.status_code == 200
        assert "Confirm my complaint" in page.get_data(as_text=True)
    [stored] = complaints()
    assert stored.confirmed_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxJob)) == 1

    response = confirm(client, link)
    assert response.status_code == 303
    assert path_of(response.headers["Location"]).startswith("/complaint/status/")
    [stored] = complaints()
    assert stored.confirmed_at is not None
    assert (stored.sale_id, stored.customer_id) == (sale.id, sale.customer_id)

    run_jobs()
    [case] = cases()
    assert (case.source, case.complaint_id, case.sale_id) == ("complaint_form", stored.id, sale.id)
    assert case.assigned_rep_id == sale.rep_id
    assert case.first_contact_due is not None and case.resolve_due is not None
    _, second = mails_to(outbox, "carl@example.org")
    assert second["Subject"] == "We have received your complaint"
    status_link = link_in(second, "/complaint/status/")
    assert status_link.startswith(f"{BASE}/complaint/status/")
    status = client.get(path_of(status_link)).get_data(as_text=True)
    assert "We will contact you by" in status and "We aim to resolve it by" in status
    assert WORDS in status


def test_confirming_twice_is_harmless(client, sold, run_jobs, outbox):
    sold()
    complain(client)
    link = confirm_link(run_jobs, outbox)
    token = csrf_from(client.get(path_of(link)).get_data(as_text=True))
    assert client.post(path_of(link), data={"csrf_token": token}).status_code == 303
    run_jobs()
    again = client.post(path_of(link), data={"csrf_token": token})  # a double click, late
    assert again.status_code == 303
    assert path_of(again.headers["Location"]).startswith("/complaint/status/")
    # Opened again later, the link leads to the status page too.
    assert client.get(path_of(link)).status_code == 303
    run_jobs()
    assert len(cases()) == 1
    assert len(mails_to(outbox, "carl@example.org")) == 2


def test_a_complaint_about_an_order_of_someone_else_goes_to_triage(client, sold, run_jobs, outbox):
    sold()  # ORD-7 belongs to carl@example.org
    complain(client, email="eve@example.net", name="Eve")
    response = confirm(client, confirm_link(run_jobs, outbox, "eve@example.net"))
    assert response.status_code == 303
    [stored] = complaints()
    assert stored.sale_id is None
    run_jobs()
    [case] = cases()
    assert case.assigned_rep_id is None and case.sale_id is None
    assert db.session.get(Customer, case.customer_id).email == "eve@example.net"
    # Nobody has it yet: the status page names no one and says by when we will be in touch.
    body = client.get(path_of(response.headers["Location"])).get_data(as_text=True)
    assert "We have received it and a member of our team will contact you by" in body
    assert "is handling your" not in body and "The person handling" not in body


def test_once_a_rep_has_the_complaint_the_status_page_names_them_in_either_language(
    client, sold, run_jobs, outbox
):
    sold(locale="sv")
    body = _status_page_after_case(
        client,
        run_jobs,
        outbox,
        headers={"Accept-Language": "sv"},
        contact_preference="phone",
        phone="070-123 45 67",
    ).get_data(as_text=True)
    assert (
        "Rita tar hand om ditt klagomål och ringer dig på "
        '<span class="text-nowrap">070-123 45 67</span>.'
    ) in body
    assert "Rita Rep" not in body


def test_an_order_number_typed_in_lower_case_still_matches(client, sold, run_jobs, outbox):
    sale = sold()
    complain(client, order_ref=" ord-7 ")
    confirm(client, confirm_link(run_jobs, outbox))
    assert complaints()[0].sale_id == sale.id


# --- the status page ---------------------------------------------------------------------------


def _status_page_after_case(client, run_jobs, outbox, address="carl@example.org", **form):
    complain(client, email=address, **form)
    response = confirm(client, confirm_link(run_jobs, outbox, address))
    run_jobs()
    [case] = cases()
    case.first_contact_due = datetime(2030, 3, 4, 13, 0, tzinfo=UTC)
    case.resolve_due = datetime(2030, 3, 6, 9, 30, tzinfo=UTC)
    db.session.commit()
    return client.get(path_of(response.headers["Location"]), headers=form.get("headers"))


def test_the_status_page_is_in_swedish_and_swedish_time_for_a_swedish_customer(
    client, sold, run_jobs, outbox
):
    sold(locale="sv")
    headers = {"Accept-Language": "sv"}
    page = _status_page_after_case(client, run_jobs, outbox, headers=headers)
    body = page.get_data(as_text=True)
    assert '<html lang="sv">' in body
    assert "Vi kontaktar dig senast" in body
    assert "måndag 4 mars 2030 kl. 14:00" in body  # 13:00 UTC is 14:00 in Stockholm
    assert "onsdag 6 mars 2030 kl. 10:30" in body
    # The promised times are counted in working hours, and the customer is told so.
    assert "Tiderna räknas bara under våra arbetstider: tid utanför dem och helgdagar" in body
    assert "UTC" not in body
    [confirmation, _] = mails_to(outbox, "carl@example.org")
    assert confirmation["Subject"] == "Bekräfta ditt klagomål"


def test_the_status_page_uses_the_customers_own_time_zone(client, sold, run_jobs, outbox):
    sold(timezone="America/New_York")
    body = _status_page_after_case(client, run_jobs, outbox).get_data(as_text=True)
    assert "Monday 4 March 2030 at 08:00" in body  # EST, UTC-5
    assert "These times count only our working hours" in body
    assert "Times are local time in New York." in body and "America/New_York" not in body


def test_the_status_page_before_the_case_exists(client, app):
    complaint = Complaint(
        email="carl@example.org",
        name="Carl",
        category="delivery",
        description=WORDS,
        confirmed_at=utcnow(),
    )
    db.session.add(complaint)
    db.session.commit()
    page = client.get(f"/complaint/status/{make_token('complaint-status', complaint.id)}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "We have received your complaint" in body
    assert "We will contact you by" not in body


def test_a_script_in_the_description_is_shown_as_text(client, sold, run_jobs, outbox):
    sold()
    attack = "<script>alert('x')</script> and the <b>chair</b> is broken"
    body = _status_page_after_case(client, run_jobs, outbox, description=attack).get_data(
        as_text=True
    )
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in body
    assert "<script>alert" not in body and "<b>chair</b>" not in body


# --- from a survey link ------------------------------------------------------------------------


@pytest.fixture
def invitation(sold):
    def make(locale="en"):
        sale = sold(locale=locale)
        now = utcnow()
        inv = SurveyInvitation(
            kind="post_sale",
            customer=sale.customer,
            sale=sale,
            scheduled_for=now - timedelta(days=1),
            sent_at=now - timedelta(days=1),
            expires_at=now + timedelta(days=27),
        )
        db.session.add(inv)
        db.session.commit()
        return inv

    return make


def test_a_complaint_from_a_survey_link_needs_no_confirmation(client, invitation, run_jobs, outbox):
    inv = invitation()
    url = f"/s/{make_token('survey', inv.id)}/complaint"
    page = client.get(url).get_data(as_text=True)
    assert 'name="email"' not in page and 'name="order_ref"' not in page
    assert inv.sale.order_ref in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "category": "delivery",
            "description": WORDS,
            "contact_preference": "email",
        },
    )
    assert response.status_code == 303
    assert path_of(response.headers["Location"]).startswith("/complaint/status/")
    [stored] = complaints()
    assert stored.confirmed_at is not None
    assert (stored.sale_id, stored.customer_id, stored.invitation_id) == (
        inv.sale_id,
        inv.customer_id,
        inv.id,
    )
    run_jobs()
    [case] = cases()
    assert (case.sale_id, case.assigned_rep_id) == (inv.sale_id, inv.sale.rep_id)
    [message] = mails_to(outbox, "carl@example.org")  # no confirmation needed
    assert message["Subject"] == "We have received your complaint"


def test_the_survey_pages_link_to_the_complaint_form(client, invitation):
    inv = invitation()
    token = make_token("survey", inv.id)
    page = client.get(f"/s/{token}").get_data(as_text=True)
    assert f'href="/s/{token}/complaint"' in page
    # (An answer that opens a case links to the case's page instead: test_customer_messages.)
    client.post(f"/s/{token}", data={"csrf_token": csrf_from(page), "satisfaction": "4"})
    thanks = client.get(f"/s/{token}/thanks").get_data(as_text=True)
    assert "Something went wrong? Tell us" in thanks
    assert f'href="/s/{token}/complaint"' in thanks


def test_the_survey_link_form_is_in_the_customers_language(client, invitation):
    inv = invitation(locale="sv")
    page = client.get(f"/s/{make_token('survey', inv.id)}/complaint").get_data(as_text=True)
    assert '<html lang="sv">' in page and "Skicka mitt klagomål" in page


# --- links that do not work, and privacy -------------------------------------------------------


def _stored_complaint() -> Complaint:
    complaint = Complaint(
        email="carl@example.org", name="Carl Kund", category="delivery", description=WORDS
    )
    db.session.add(complaint)
    db.session.commit()
    return complaint


def _old_token(purpose, payload, monkeypatch, days):
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - days * 86400)
        return make_token(purpose, payload)


CONFIRM, STATUS = "/complaint/confirm/", "/complaint/status/"
BAD_LINKS = {
    # name: (page, purpose, id offset, days old, suffix) -> expected status
    "tampered": (CONFIRM, "complaint-confirm", 0, 0, "x", 404),
    "status-token-to-confirm": (CONFIRM, "complaint-status", 0, 0, "", 404),
    "survey-token-to-confirm": (CONFIRM, "survey", 0, 0, "", 404),
    "unknown-complaint": (CONFIRM, "complaint-confirm", 99, 0, "", 404),
    "expired": (CONFIRM, "complaint-confirm", 0, 8, "", 410),
    "confirm-token-to-status": (STATUS, "complaint-confirm", 0, 0, "", 404),
    "expired-status": (STATUS, "complaint-status", 0, 366, "", 410),
    "garbage": (STATUS, None, 0, 0, "garbage", 404),
    "status-token-to-survey-form": ("/s/", "complaint-status", 0, 0, "", 404),
}


def _bad_path(name, complaint, monkeypatch) -> str:
    page, purpose, offset, days, suffix, _ = BAD_LINKS[name]
    token = _old_token(purpose, complaint.id + offset, monkeypatch, days) if purpose else ""
    path = f"{page}{token}{suffix}"
    return f"{path}/complaint" if page == "/s/" else path


@pytest.mark.parametrize("name", BAD_LINKS)
def test_bad_links_get_a_friendly_page_that_reveals_nothing(client, monkeypatch, name):
    complaint = _stored_complaint()
    path = _bad_path(name, complaint, monkeypatch)
    status = BAD_LINKS[name][-1]
    text = "has expired" if status == 410 else "does not work"
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert text in body
    assert "Carl" not in body and "carl@example.org" not in body and "broken leg" not in body
    assert response.headers["Cache-Control"] == "no-store"
    # And posting to them changes nothing.
    client.post(path, data={"csrf_token": "x"})
    assert complaints()[0].confirmed_at is None


def test_a_confirm_link_still_works_after_six_days(client, monkeypatch):
    complaint = _stored_complaint()
    path = f"/complaint/confirm/{_old_token('complaint-confirm', complaint.id, monkeypatch, 6)}"
    assert client.get(path).status_code == 200


def test_every_token_page_is_private(client, invitation):
    inv = invitation()
    complaint = _stored_complaint()
    paths = [
        f"/complaint/confirm/{make_token('complaint-confirm', complaint.id)}",
        f"/complaint/status/{make_token('complaint-status', complaint.id)}",
        f"/s/{make_token('survey', inv.id)}/complaint",
        "/complaint/confirm/not-a-token",
    ]
    for path in paths:
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store", path
        assert response.headers["Referrer-Policy"] == "no-referrer", path
