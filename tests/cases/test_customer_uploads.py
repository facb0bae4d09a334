"""Photos and files a customer sends with a complaint and with a message on their case's status
page (services/customer_files.py): checked by their content, photos stored without their
location, shown to the staff who may see the case as downloads, in the customer's export."""

from __future__ import annotations

import base64
import json
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import ExifTags, Image

from portal.extensions import db
from portal.models import Case, CaseEvent, Customer, InboundAttachment
from portal.services import status_links
from portal.services.customer_files import sniff
from portal.services.setup import ensure_sla_policies
from portal.tokens import make_token
from tests.conftest import PASSWORD, csrf_from, sent_invitation, submit

from .test_complaints import WORDS, complain, confirm, confirm_link

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 200
# An iPhone-style HEIC (64x48, held upright: EXIF orientation 6) with a GPS location and the
# camera's make in its EXIF; made once with pillow-heif, which can encode (pi-heif cannot).
HEIC = (Path(__file__).parent / "data" / "phone-photo.heic").read_bytes()


def jpeg_with_gps(size=(40, 30), orientation: int | None = None) -> bytes:
    """A phone photo: red, with where it was taken (Stockholm) and the camera in its EXIF."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 19.0, 48.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (18.0, 4.0, 12.0)
    out = BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def files(*named: tuple[str, bytes]) -> list:
    return [(BytesIO(data), name) for name, data in named]


def stored_files() -> list[InboundAttachment]:
    db.session.expire_all()
    return db.session.scalars(sa.select(InboundAttachment).order_by(InboundAttachment.id)).all()


def the_case() -> Case:
    db.session.expire_all()
    return db.session.scalars(sa.select(Case)).one()


@pytest.fixture
def sold(app, make_team, make_user, make_sale):
    """Order ORD-7 of Carl (carl@example.org), sold by Rita (rita@example.com) of team North
    (as in test_complaints.py)."""
    ensure_sla_policies()
    north = make_team("North", lead=make_user("manager", name="Maja Manager"))
    rita = make_user("rep", team=north, name="Rita Rep", email="rita@example.com")

    def make():
        customer = Customer(email="carl@example.org", name="Carl Kund", locale="en")
        return make_sale(rep=rita, customer=customer, order_ref="ORD-7")

    return make


@pytest.fixture
def rita_logged_in(client):
    def do():
        return submit(client, "/login", {"email": "rita@example.com", "password": PASSWORD})

    return do


def complaint_with_files(client, run_jobs, outbox, *named, **fields) -> Case:
    """File a complaint with these files, confirm it, and let triage open its case."""
    response = complain(client, photos=files(*named), **fields)
    assert response.status_code == 303, response.get_data(as_text=True)
    confirm(client, confirm_link(run_jobs, outbox))
    run_jobs()
    return the_case()


# --- the complaint form -----------------------------------------------------------------------


def test_the_form_offers_a_phone_its_camera_and_says_location_data_is_removed(client, sold):
    page = client.get("/complaint").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    assert 'accept="image/*,application/pdf"' in page and "multiple" in page
    assert "Location data is removed from photos" in page
    assert "Up to 5 photos" in page and "at most 10 MB each" in page


def test_files_sent_with_a_complaint_follow_it_into_its_case_for_the_staff_who_see_it(
    client, app, sold, run_jobs, outbox, rita_logged_in, make_user
):
    sold()
    photo = jpeg_with_gps()
    response = complain(client, photos=files(("broken-leg.jpg", photo), ("receipt.pdf", PDF)))
    assert response.status_code == 303
    # Stored with the words, before anything is confirmed or analysed: no case yet.
    kept = stored_files()
    assert [(f.filename, f.content_type, f.source) for f in kept] == [
        ("broken-leg.jpg", "image/jpeg", "complaint_form"),
        ("receipt.pdf", "application/pdf", "complaint_form"),
    ]
    assert all(f.case_id is None and f.complaint_id is not None for f in kept)
    assert kept[1].data == PDF  # a PDF is kept as sent

    confirm(client, confirm_link(run_jobs, outbox))
    run_jobs()
    case = the_case()
    assert [f.case_id for f in stored_files()] == [case.id, case.id]

    rita_logged_in()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Files sent with the complaint" in page
    assert "broken-leg.jpg" in page and "JPEG photo" in page and "receipt.pdf" in page
    pdf_id = kept[1].id
    download = client.get(f"/cases/{case.id}/attachments/{pdf_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

    # The photo, which the portal saved itself, has a small copy on the page: an image drawn
    # again from its pixels, that cannot be anything but an image. The PDF has none.
    photo_id = kept[0].id
    preview_url = f"/cases/{case.id}/attachments/{photo_id}/preview"
    assert preview_url in page
    preview = client.get(preview_url)
    assert preview.status_code == 200 and preview.headers["Content-Type"] == "image/jpeg"
    assert "sandbox" in preview.headers["Content-Security-Policy"]
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(BytesIO(preview.data)).size == (40, 30)
    assert client.get(f"/cases/{case.id}/attachments/{pdf_id}/preview").status_code == 404

    # A rep of another team: neither the case nor its files exist for them.
    other = make_user("rep", name="Otto Other", email="otto@example.com")
    theirs = app.test_client()
    submit(theirs, "/login", {"email": other.email, "password": PASSWORD})
    assert theirs.get(f"/cases/{case.id}/attachments/{pdf_id}").status_code == 404
    assert theirs.get(preview_url).status_code == 404
    # Nobody logged in: the login page, not the file.
    anonymous = app.test_client().get(f"/cases/{case.id}/attachments/{pdf_id}")
    assert anonymous.status_code in (302, 303) and anonymous.data != PDF

    # The customer's status page names the files they sent.
    status = client.get(f"/status/{status_links.status_token(case)}").get_data(as_text=True)
    assert "Files you sent" in status and "broken-leg.jpg" in status


def test_location_and_camera_are_removed_and_the_photo_is_turned_upright(
    client, sold, run_jobs, outbox
):
    sold()
    photo = jpeg_with_gps(size=(40, 30), orientation=6)  # the phone was held upright
    sent_exif = Image.open(BytesIO(photo)).getexif()
    assert sent_exif.get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry a location

    assert complain(client, photos=files(("IMG_0042.JPG", photo))).status_code == 303
    [kept] = stored_files()
    stored = Image.open(BytesIO(kept.data))
    assert stored.format == "JPEG"
    assert stored.size == (30, 40)  # turned as the phone showed it
    exif = stored.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert ExifTags.Base.Make not in exif and ExifTags.Base.Orientation not in exif
    assert b"PhoneMaker" not in kept.data and b"Exif" not in kept.data
    assert kept.size == len(kept.data)


def test_a_heic_photo_is_kept_as_jpeg_without_its_location(client, sold):
    sold()
    assert b"PhoneMaker" in HEIC  # the fixture does carry its metadata
    assert complain(client, photos=files(("IMG_1234.HEIC", HEIC))).status_code == 303
    [kept] = stored_files()
    assert (kept.filename, kept.content_type) == ("IMG_1234.jpg", "image/jpeg")
    stored = Image.open(BytesIO(kept.data))
    assert stored.format == "JPEG" and stored.size == (48, 64)  # upright
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert b"PhoneMaker" not in kept.data


@pytest.mark.parametrize(
    ("name", "data"),
    [("photo.exe", EXE), ("photo.jpg", EXE), ("notes.txt", b"just text, called a photo")],
)
def test_a_refused_file_says_what_to_fix_and_keeps_what_the_customer_wrote(
    client, sold, name, data
):
    sold()
    response = complain(client, photos=files((name, data)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"{name}: only photos (JPEG, PNG, HEIC, WebP) and PDF files." in page
    assert WORDS in page and 'value="Carl Kund"' in page  # their words are back in the form
    assert "Your files were not sent: pick them again before you send." in page
    assert stored_files() == []
    assert db.session.scalars(sa.select(Case)).all() == []


def test_a_photo_that_cannot_be_opened_is_refused_by_name(client, sold):
    sold()
    broken = b"\xff\xd8\xff\xe0" + b"not really a jpeg" * 10
    page = complain(client, photos=files(("chair.jpg", broken))).get_data(as_text=True)
    assert "chair.jpg could not be opened as a photo." in page
    assert stored_files() == []


def test_a_photo_of_too_many_pixels_is_refused_before_it_is_decoded(client, sold):
    sold()
    out = BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 megapixels in a few kB
    page = complain(client, photos=files(("huge.png", out.getvalue()))).get_data(as_text=True)
    assert "huge.png could not be opened as a photo." in page
    assert stored_files() == []


def test_too_many_files_and_too_big_a_file_are_refused_and_nothing_is_stored(client, app, sold):
    sold()
    photo = jpeg_with_gps()
    six = [(f"photo-{n}.jpg", photo) for n in range(1, 7)]
    page = complain(client, photos=files(*six)).get_data(as_text=True)
    assert "photo-6.jpg: you can send at most 5 files at a time." in page
    assert stored_files() == []

    app.config["COMPLAINT_MAX_FILE_BYTES"] = 200_000
    big = b"%PDF-1.7\n" + b"0" * 250_000
    response = complain(client, photos=files(("manual.pdf", big), ("leg.jpg", photo)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "manual.pdf is too big: each file can be at most 0.2 MB." in page
    assert WORDS in page
    assert stored_files() == []


def test_a_request_over_the_size_limit_gets_a_page_in_the_customers_language(client, app, sold):
    sold()
    app.config["MAX_CONTENT_LENGTH"] = 300_000
    big = b"%PDF-1.7\n" + b"0" * 400_000
    response = complain(client, url="/complaint?lang=sv", photos=files(("manual.pdf", big)))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "Dina filer är för stora" in page
    assert "Använd webbläsarens bakåtknapp" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert stored_files() == []


def test_the_refusal_is_in_swedish_for_a_swedish_customer(client, sold):
    sold()
    response = complain(client, url="/complaint?lang=sv", photos=files(("bild.exe", EXE)))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "bild.exe: bara foton (JPEG, PNG, HEIC, WebP) och PDF-filer." in page
    assert "Dina filer skickades inte: välj dem igen innan du skickar." in page
    assert "Platsinformation tas bort från foton" in page


def test_the_form_without_files_works_as_before(client, sold):
    sold()
    assert complain(client).status_code == 303
    assert stored_files() == []


def test_the_form_from_a_survey_link_takes_files_too(client, sold, run_jobs):
    invitation = sent_invitation(sold())
    db.session.add(invitation)
    db.session.commit()
    url = f"/s/{make_token('survey', invitation.id)}/complaint"
    page = client.get(url).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and 'name="photos"' in page
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(page),
            "category": "product_quality",
            "description": WORDS,
            "contact_preference": "email",
            "photos": files(("leg.jpg", jpeg_with_gps())),
        },
    )
    assert response.status_code == 303
    run_jobs()
    case = the_case()
    [kept] = stored_files()
    assert (kept.filename, kept.case_id) == ("leg.jpg", case.id)
    status = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "leg.jpg" in status


# --- the status page ------------------------------------------------------------------------


def test_a_message_on_the_status_page_takes_a_photo_to_the_case_timeline(
    client, sold, run_jobs, outbox, rita_logged_in
):
    sold()
    case = complaint_with_files(client, run_jobs, outbox)
    path = f"/status/{status_links.status_token(case)}"
    page = client.get(path).get_data(as_text=True)
    assert 'accept="image/*,application/pdf"' in page
    response = client.post(
        path,
        data={
            "csrf_token": csrf_from(page),
            "body": "Here is the leg, as you asked.",
            "photos": files(("leg.png", png_with_text())),
        },
    )
    assert response.status_code == 303
    [kept] = stored_files()
    assert (kept.case_id, kept.source, kept.content_type) == (case.id, "status_page", "image/png")
    assert b"Stockholm" not in kept.data  # the PNG's text chunk is gone
    event = db.session.scalars(
        sa.select(CaseEvent).where(CaseEvent.kind == "customer_message")
    ).one()
    assert event.message == "Here is the leg, as you asked."
    assert [f["filename"] for f in event.data["attachments"]] == ["leg.png"]

    status = client.get(path).get_data(as_text=True)
    assert "leg.png" in status  # they see what they sent

    rita_logged_in()
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Sent from the status page with 1 file" in case_page and "leg.png" in case_page
    assert f"/cases/{case.id}/attachments/{kept.id}" in case_page


def test_a_refused_file_on_the_status_page_keeps_the_message(client, sold, run_jobs, outbox):
    sold()
    case = complaint_with_files(client, run_jobs, outbox)
    path = f"/status/{status_links.status_token(case)}"
    page = client.get(path).get_data(as_text=True)
    response = client.post(
        path,
        data={
            "csrf_token": csrf_from(page),
            "body": "My words must not be lost.",
            "photos": files(("virus.exe", EXE)),
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "virus.exe: only photos (JPEG, PNG, HEIC, WebP) and PDF files." in page
    assert "My words must not be lost." in page
    assert (
        db.session.scalars(sa.select(CaseEvent).where(CaseEvent.kind == "customer_message")).all()
        == []
    )


def png_with_text() -> bytes:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Location", "Stockholm")
    out = BytesIO()
    Image.new("RGB", (20, 20), (0, 90, 200)).save(out, "PNG", pnginfo=info)
    return out.getvalue()


# --- the customer's data ----------------------------------------------------------------------


def test_the_export_holds_the_files_and_anonymising_deletes_them(
    client, app, sold, run_jobs, outbox, make_user
):
    sold()
    case = complaint_with_files(client, run_jobs, outbox, ("receipt.pdf", PDF))
    customer = db.session.get(Customer, case.customer_id)
    admin = make_user("admin", name="Ada Admin", email="ada@example.com")
    submit(client, "/login", {"email": admin.email, "password": PASSWORD})
    export = json.loads(
        submit(client, f"/admin/customers/{customer.id}/export.json", {}).get_data(as_text=True)
    )
    [sent] = export["files"]
    assert (sent["filename"], sent["source"], sent["case_id"]) == (
        "receipt.pdf",
        "complaint_form",
        case.id,
    )
    assert base64.b64decode(sent["data_base64"]) == PDF
    readable = submit(client, f"/admin/customers/{customer.id}/export", {}).get_data(as_text=True)
    assert "receipt.pdf" in readable

    submit(
        client,
        f"/admin/customers/{customer.id}/anonymise",
        {"confirm_email": customer.email},
    )
    assert stored_files() == []


# --- what counts as what ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first_bytes", "kind"),
    [
        (b"\xff\xd8\xff\xe1rest", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\nrest", "image/png"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "image/heif"),
        (b"%PDF-1.7", "application/pdf"),
        (b"GIF89a", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg'>", None),
        (b"\x00\x00\x00\x18ftypmp42", None),  # a video
    ],
)
def test_the_type_is_read_from_the_content(first_bytes, kind):
    assert sniff(first_bytes) == kind
