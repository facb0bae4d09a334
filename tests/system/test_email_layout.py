"""The one email layout and button: a customer's email in their language from top to bottom,
a staff email in English, whatever language the request or job that sends it is in."""

from __future__ import annotations

from flask_babel import force_locale

from portal import mail


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_a_customers_email_is_in_their_language_and_a_staff_email_in_english(app, make_user):
    rep = make_user(name="Rita Rep")
    with app.test_request_context(), force_locale("sv"):  # e.g. sent from a Swedish page
        staff = html_of(
            mail.build_message(
                rep.email, "Welcome", "set_password_welcome", user=rep, link="https://x/1", hours=48
            )
        )
    assert '<html lang="en">' in staff
    assert "Aftersale</p>" in staff and "automatic message from Aftersale" in staff
    assert "If the button does not work, copy this address into your browser:" in staff
    assert "Om knappen" not in staff and "Kundsynpunkter" not in staff

    with app.test_request_context():  # an English request: the customer's own language wins
        customer = html_of(
            mail.build_message(
                "kund@example.org",
                "Ditt ärende",
                "complaint_received",
                locale="sv",
                complaint=type("Complaint", (), {"name": "Kim", "contact_preference": "email"}),
                link="https://x/2",
            )
        )
    assert '<html lang="sv">' in customer
    assert "Kundsynpunkter" in customer
    assert "Om knappen inte fungerar kan du kopiera den här adressen till webbläsaren:" in customer
    assert "If the button" not in customer and "automatic message from Aftersale" not in customer
