"""A survey or status link that no longer works is no dead end: the page leads to the complaint
form (with the order filled in when the link still names it) and says how to reach customer
service, in the customer's language (issue 13, point 8)."""

import html as html_lib
import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner

from portal.extensions import db
from portal.models import Customer, utcnow
from portal.services import status_links as case_links
from portal.tokens import make_token

from ..conftest import sent_invitation
from .case_helpers import make_case

SUPPORT_EMAIL = "kundservice@shop.example"


@pytest.fixture(autouse=True)
def customer_service(app):
    """The company's customer service, as configured before an admin saves the organisation."""
    app.config.update(SUPPORT_EMAIL=SUPPORT_EMAIL, SUPPORT_PHONE="+46 8 555 012 34")


@pytest.fixture
def swedish_sale(make_sale, rita):
    customer = Customer(email="sven@example.org", name="Sven Kund", locale="sv")
    return make_sale(rep=rita, customer=customer, order_ref="ORD-4711")


def old_token(monkeypatch, purpose, payload, days):
    with monkeypatch.context() as m:
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - days * 86400)
        return make_token(purpose, payload)


def way_forward(html: str) -> str:
    """The address of the complaint form button."""
    match = re.search(r'<a class="btn btn-primary" href="([^"]+)">', html)
    assert match, "the page leads nowhere"
    return html_lib.unescape(match.group(1))


def test_a_closed_survey_leads_to_the_complaint_form_with_its_order(client, swedish_sale):
    invitation = sent_invitation(swedish_sale)
    invitation.expires_at = utcnow() - timedelta(days=1)
    db.session.add(invitation)
    db.session.commit()

    page = client.get(f"/s/{make_token('survey', invitation.id)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert "Enkäten är stängd" in html
    assert "Till formuläret för klagomål" in html
    assert "Ditt ordernummer, ORD-4711, är redan ifyllt." in html
    assert f'href="mailto:{SUPPORT_EMAIL}"' in html and 'href="tel:+46855501234"' in html
    assert "Eller kontakta vår kundtjänst" in html

    form = client.get(way_forward(html)).get_data(as_text=True)
    assert 'lang="sv"' in form
    assert re.search(r'id="order_ref"[^>]*value="ORD-4711"', form)


def test_a_survey_link_too_old_to_read_still_fills_in_its_order(client, swedish_sale, monkeypatch):
    invitation = sent_invitation(swedish_sale)
    db.session.add(invitation)
    db.session.commit()
    token = old_token(monkeypatch, "survey", invitation.id, days=400)

    page = client.get(f"/s/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert 'lang="sv"' in html
    assert "order=ORD-4711" in way_forward(html)


def test_a_tampered_link_names_nothing_but_still_leads_on(client, swedish_sale):
    invitation = sent_invitation(swedish_sale)
    db.session.add(invitation)
    db.session.commit()

    page = client.get(f"/s/{make_token('survey', invitation.id)[:-3]}abc")
    html = page.get_data(as_text=True)
    assert page.status_code == 404
    assert "This link does not work" in html
    assert "ORD-4711" not in html and "order=" not in way_forward(html)
    assert way_forward(html).startswith("/complaint")
    assert f'href="mailto:{SUPPORT_EMAIL}"' in html


def test_an_expired_case_status_link_leads_to_a_new_complaint(client, rita):
    customer = Customer(email="sven@example.org", name="Sven Kund", locale="sv")
    long_ago = utcnow() - timedelta(days=120)
    case = make_case(rita, customer=customer, status="closed", opened=long_ago)
    case.resolved_at = case.closed_at = long_ago + timedelta(days=2)
    db.session.commit()

    page = client.get(f"/status/{case_links.status_token(case)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert 'lang="sv"' in html and "Länken har gått ut" in html
    assert f"order={case.sale.order_ref}" in way_forward(html)
    assert f'href="mailto:{SUPPORT_EMAIL}"' in html


def test_a_bad_complaint_status_link_leads_on(client):
    page = client.get("/complaint/status/not-a-token")
    html = page.get_data(as_text=True)
    assert page.status_code == 404
    assert way_forward(html).startswith("/complaint")
    assert f'href="mailto:{SUPPORT_EMAIL}"' in html


def test_how_to_reach_customer_service_is_configured(app, client):
    app.config.update(SUPPORT_EMAIL="help@shop.example", SUPPORT_PHONE="")
    html = client.get("/s/not-a-token").get_data(as_text=True)
    assert 'href="mailto:help@shop.example"' in html
    assert "tel:" not in html
    app.config.update(SUPPORT_EMAIL="", SUPPORT_PHONE="")
    html = client.get("/s/not-a-token").get_data(as_text=True)
    assert "customer service" not in html


def test_a_link_older_than_any_of_ours_names_nothing(client, swedish_sale, monkeypatch):
    invitation = sent_invitation(swedish_sale)
    db.session.add(invitation)
    db.session.commit()
    token = old_token(monkeypatch, "survey", invitation.id, days=4 * 365)

    html = client.get(f"/s/{token}").get_data(as_text=True)
    assert "ORD-4711" not in html and "order=" not in way_forward(html)
