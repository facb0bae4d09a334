"""The company the customer bought from is on every customer email and page: its name, sender,
reply-to, customer service, logo and brand colour (Admin > Organisation). Cases are opened the
real way: a customer's negative survey answer, analysed by the job."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Customer, Organisation
from portal.services import status_links as case_links
from portal.services.demo.company import NORDHEM, logo_png
from portal.services.organisation import brand_colour_problem, check_logo, contrast_ratio
from portal.services.rules import RuleError

from ..conftest import body_text, csrf_from

ANGRY = "Still waiting for my refund, third time I call and nobody answered. Never again."
MAIL_FROM = "Aftersale <no-reply@aftersale.invalid>"


@pytest.fixture
def admin(client, login, make_user):
    user = make_user("admin", name="Helena Admin")
    login(user)
    return user


def save_organisation(client, logo: bytes | None = None, **changes):
    page = client.get("/admin/organisation").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), **NORDHEM, **changes}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), "logo.png")
    return client.post("/admin/organisation", data=data, content_type="multipart/form-data")


def open_case(case_from_answer, rita, locale="sv"):
    customer = Customer(email="carl@example.org", name="Carl", locale=locale)
    return case_from_answer(rita, customer, comment=ANGRY)


def test_customer_emails_come_from_the_company_with_its_reply_to_and_customer_service(
    client, admin, rita, case_from_answer, smtp_server, run_jobs
):
    assert save_organisation(client).status_code == 303
    case = open_case(case_from_answer, rita)
    run_jobs()

    [to_customer] = [m for m in smtp_server.messages if m["To"] == "carl@example.org"]
    assert to_customer["From"] == "Nordhem Möbler kundservice <kundservice@nordhem.example>"
    assert to_customer["Reply-To"] == "kundservice@nordhem.example"
    text = body_text(to_customer)
    assert "Nordhem Möbler AB" in text
    assert "Kundtjänst: kundservice@nordhem.example · +46 8 520 277 00" in text
    assert "Du kan svara på det här mejlet." in text and "läses inte" not in text
    html = to_customer.get_body(preferencelist=("html",)).get_content()
    assert "background:#1f4e5f" in html and "Nordhem Möbler AB</p>" in html
    # the envelope sender (bounces) stays the portal's; staff emails come from the portal
    assert set(smtp_server.senders) == {"no-reply@aftersale.invalid"}
    [to_rep] = [m for m in smtp_server.messages if m["To"] == rita.email]
    assert to_rep["From"] == MAIL_FROM and to_rep["Reply-To"] is None
    assert case is not None


def test_without_a_reply_to_the_email_says_replies_are_not_read(
    client, admin, rita, case_from_answer, outbox
):
    assert save_organisation(client, reply_to="").status_code == 303
    open_case(case_from_answer, rita, locale="en")
    [to_customer] = [m for m in outbox() if m["To"] == "carl@example.org"]
    assert to_customer["Reply-To"] is None
    assert "Replies to this email are not read." in body_text(to_customer)


def test_customer_pages_name_the_company_show_its_logo_colour_and_customer_service(
    client, admin, rita, case_from_answer
):
    logo = logo_png()
    assert save_organisation(client, logo=logo).status_code == 303
    case = open_case(case_from_answer, rita, locale="en")
    page = client.get(f"/status/{case_links.status_token(case)}").get_data(as_text=True)
    assert '<span class="public-brand">Nordhem Möbler AB</span>' in page
    assert "Questions? Contact Nordhem Möbler AB:" in page
    assert 'href="tel:+46852027700"' in page
    assert "/organisation/logo?v=1" in page and "/organisation/brand.css?v=1f4e5f" in page

    served = client.get("/organisation/logo?v=1")
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == logo
    assert "immutable" in served.headers["Cache-Control"]
    css = client.get("/organisation/brand.css?v=1f4e5f")
    assert css.mimetype == "text/css" and "background:#1f4e5f" in css.get_data(as_text=True)


@pytest.mark.parametrize(
    ("logo", "error"),
    [
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "PNG, JPEG"),
        (b"plain text named logo.png", "must be a PNG, JPEG or WebP"),
    ],
)
def test_a_logo_that_is_not_a_small_image_is_refused_and_nothing_is_saved(
    client, admin, logo, error
):
    response = save_organisation(client, logo=logo)
    assert response.status_code == 422
    assert error in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_a_brand_colour_too_light_for_white_text_is_refused_saying_why(client, admin):
    response = save_organisation(client, brand_colour="#8ab4f8")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "White text on #8ab4f8 has a contrast of 2.1:1" in html and "darker" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    assert "like #1f5f8b" in save_organisation(client, brand_colour="teal").get_data(as_text=True)


def test_a_logo_over_512_kb_is_refused_saying_so():
    with pytest.raises(RuleError, match="over 512 KB"):
        check_logo(b"\x89PNG\r\n\x1a\n" + b"\0" * (512 * 1024))
    assert check_logo(logo_png()) == ("png", "image/png")


def test_contrast_is_computed_as_wcag_says():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert brand_colour_problem("#767676") is None  # 4.54:1, the lightest grey that passes
    assert "4.5:1" in brand_colour_problem("#777777")  # 4.48:1
