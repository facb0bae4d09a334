"""The fast survey invitation (portal/mail_bulk.py) is byte for byte the email the templates
and the email package build, whatever the customer's name, language or order holds."""

import io
import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.generator import BytesGenerator

import pytest
from itsdangerous import TimestampSigner

from portal import mail
from portal.extensions import db
from portal.models import Customer, Organisation, SurveyInvitation
from portal.services.surveys.messages import InvitationWriter, build_invitation_message

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
# What differs between any two builds of one email: the MIME boundary, Date, Message-ID.
RANDOM = [
    (re.compile(rb"={15}\d{19}=="), b"BOUNDARY"),
    (re.compile(rb"\r\nDate: [^\r]+"), b"\r\nDate: DATE"),
    (re.compile(rb"\r\nMessage-ID: [^\r]+"), b"\r\nMessage-ID: ID"),
]


@pytest.fixture
def frozen_tokens(monkeypatch):
    """Both builds sign their links in the same second."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_765_000_000)


def _invitation(make_sale, name, email, locale, with_sale=True, expires=True):
    customer = Customer(email=email, name=name, locale=locale, timezone="Europe/Stockholm")
    sale = make_sale(customer=customer, order_ref="SO-<1>&2", product='Desk "Ek" <b>&amp;')
    inv = SurveyInvitation(
        kind="post_sale",
        customer=customer,
        sale=sale if with_sale else None,
        scheduled_for=NOW,
        expires_at=NOW + timedelta(days=28) if expires else None,
    )
    db.session.add(inv)
    db.session.commit()
    return inv


def _wire(msg) -> bytes:
    """What smtplib's send_message puts on the wire for a message."""
    out = io.BytesIO()
    BytesGenerator(out).flatten(msg, linesep="\r\n")
    return out.getvalue()


def _same_but_random(data: bytes) -> bytes:
    for pattern, stand_in in RANDOM:
        data = pattern.sub(stand_in, data)
    return data


@pytest.mark.parametrize(
    ("name", "email", "locale", "with_sale", "expires"),
    [
        ("<b>&\"Ann' O'Neil</b>", "ann@example.org", "en", True, True),
        ("Åsa Öberg-Ärlig", "asa@example.se", "sv", True, True),
        ("", "noname@example.org", "en", False, False),
        ("Bo\n%(name)s {{ x }} ☃", "bo@example.org", "sv", True, False),
    ],
)
@pytest.mark.parametrize("reminder", [False, True])
@pytest.mark.parametrize("organisation", [False, True])
def test_the_fast_invitation_is_the_templates_email(
    app, make_sale, frozen_tokens, name, email, locale, with_sale, expires, reminder, organisation
):
    if organisation:  # a company name that needs encoded words, a reply-to, support contact
        db.session.add(
            Organisation(
                name="Nordhem Möbler AB",
                sender_address="kundservice@nordhem.example",
                reply_to="svar@nordhem.example",
                support_email="hjalp@nordhem.example",
                support_phone="+46 8 123 45",
                brand_colour="#123456",
            )
        )
        db.session.commit()
    inv = _invitation(make_sale, name, email, locale, with_sale, expires)
    writer = InvitationWriter()
    for _ in range(2):  # the second one comes from the skeleton made for the first
        fast = writer.write(inv, reminder)
        slow = build_invitation_message(inv, reminder)
        assert _same_but_random(fast.data) == _same_but_random(_wire(slow))
        assert fast.to == email
        assert fast.envelope == mail.envelope_of(email)
    html = message_from_bytes(fast.data).get_payload()[1].get_payload(decode=True).decode()
    if name.startswith("<b>"):  # the name is shown, never read as markup
        assert "Hello &lt;b&gt;&amp;&#34;Ann&#39; O&#39;Neil&lt;/b&gt;," in html
        assert "<b>&" not in html


def test_the_fast_invitation_is_sent_from_the_signed_bounce_address(app, make_sale, frozen_tokens):
    """Delivery reports of a fast-built invitation still come back to the inbound receiver,
    naming the customer (portal/mail_addresses.py)."""
    app.config["BOUNCE_ADDRESS"] = "bounces@portal.example.test"
    inv = _invitation(make_sale, "Ann", "ann@example.org", "en")
    fast = InvitationWriter().write(inv, False)
    assert fast.envelope == mail.envelope_of("ann@example.org")
    assert fast.envelope.startswith("bounces+")
    assert fast.envelope.endswith("=example.org@portal.example.test")
