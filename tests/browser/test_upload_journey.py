"""A customer on a phone sends a photo of the broken chair with their complaint; the rep sees it
on the case page (screenshots in test-artifacts/<test name>/)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, InboundAttachment

from ..cases.test_customer_uploads import EXE, jpeg_with_gps
from .test_journeys import log_in, shop  # noqa: F401  (the shop fixture)

pytestmark = pytest.mark.browser


def test_a_photo_from_a_phone_reaches_the_case_page(app, shop, smtp_server, journey, tmp_path):  # noqa: F811
    shop["sell"]("WEB-7010", "cia.carlsson@example.org", "Cia Carlsson", days_ago=1)
    photo = tmp_path / "IMG_0042.jpg"
    photo.write_bytes(jpeg_with_gps(size=(1200, 900), orientation=6))
    program = tmp_path / "photo.exe"
    program.write_bytes(EXE)

    customer = journey.person("customer", phone=True)
    customer.goto("/complaint?lang=en")
    customer.get_by_label("Email address").fill("cia.carlsson@example.org")
    customer.get_by_label("Your name").fill("Cia Carlsson")
    customer.get_by_label("Order number").fill("WEB-7010")
    customer.get_by_label("The product is faulty or poor quality").check()
    customer.get_by_label("What happened?").fill("The chair's leg snapped on the second day.")
    customer.get_by_label("Photos or files").set_input_files([str(program)])
    customer.get_by_role("button", name="Send my complaint").click()
    customer.get_by_text("photo.exe: only photos").first.wait_for()
    journey.step(customer, "picked a program: told what to fix, words kept")
    journey.accessible(customer, "complaint form with a refused file")
    assert (
        customer.get_by_label("What happened?").input_value()
        == "The chair's leg snapped on the second day."
    )

    customer.get_by_label("Photos or files").set_input_files([str(photo)])
    journey.step(customer, "picked the photo")
    customer.get_by_role("button", name="Send my complaint").click()
    customer.get_by_text("cia.carlsson@example.org").first.wait_for()

    confirmation = next(m for m in smtp_server.messages if m["To"] == "cia.carlsson@example.org")
    text = confirmation.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"http://127\.0\.0\.1:\d+/complaint/confirm/[\w.-]+", text).group(0)
    customer.goto(link)
    customer.get_by_role("button", name="Confirm my complaint").click()
    customer.get_by_role("heading", name="Your complaint").wait_for()
    customer.get_by_text("IMG_0042.jpg").first.wait_for()
    journey.step(customer, "sees the photo named on the status page")
    journey.accessible(customer, "status page with a file")

    db.session.expire_all()
    case = db.session.scalars(sa.select(Case)).one()
    [kept] = db.session.scalars(sa.select(InboundAttachment)).all()
    assert kept.case_id == case.id

    rep = journey.person("rep")
    rep.set_viewport_size({"width": 1366, "height": 800})
    log_in(rep, "rita@example.com")
    rep.goto(f"/cases/{case.id}")
    rep.get_by_role("heading", name="Files sent with the complaint").wait_for()
    journey.step(rep, "sees the photo on the case page")
    with rep.expect_download() as download:
        rep.get_by_role("link", name="IMG_0042.jpg").click()
    assert download.value.suggested_filename == "IMG_0042.jpg"


def test_files_too_big_together_get_a_page_in_swedish(app, shop, journey, tmp_path):  # noqa: F811
    app.config["MAX_CONTENT_LENGTH"] = 300_000
    manual = tmp_path / "manual.pdf"
    manual.write_bytes(b"%PDF-1.7\n" + b"0" * 400_000)
    customer = journey.person("customer", phone=True, locale="sv-SE")
    customer.goto("/complaint")
    customer.get_by_label("Foton eller filer").set_input_files([str(manual)])
    customer.get_by_role("button", name="Skicka mitt klagomål").click()
    customer.get_by_role("heading", name="Dina filer är för stora").wait_for()
    journey.step(customer, "sent too much: told what to do, in swedish")
    journey.accessible(customer, "too large page")
