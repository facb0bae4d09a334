"""The rep's resolution summary is written for the customer: the resolved status page shows
it (English and Swedish around it), as the "did this fix it?" email does; a relabelling's
internal note is never shown."""

from __future__ import annotations

from markupsafe import escape

from portal.extensions import db
from portal.models import utcnow
from portal.services.cases import labels
from portal.services.cases import work as case_work

from . import test_customer_messages as base
from .case_helpers import send_case_form
from .test_customer_messages import status_path

open_case = base.open_case  # the fixture: a case opened from Carl's angry survey answer
SUMMARY = "We refunded 1 250 SEK to your card & sent a new chair <today>."


def resolve(case, rep, summary=SUMMARY):
    case_work.log_contact(case, rep, "phone", "Called Carl", case.version, utcnow())
    case_work.resolve(case, rep, "refund", summary, case.version, utcnow())


def test_the_resolved_status_page_tells_the_customer_what_was_done(client, open_case, rita):
    case = open_case()
    before = client.get(status_path(case)).get_data(as_text=True)
    assert "What we did" not in before  # nothing done yet
    resolve(case, rita)
    html = client.get(status_path(case)).get_data(as_text=True)
    assert "Resolved" in html and "What we did" in html
    assert str(escape(SUMMARY)) in html  # the rep's words, escaped
    swedish = client.get(status_path(case) + "?lang=sv").get_data(as_text=True)
    assert "Det här gjorde vi" in swedish and str(escape(SUMMARY)) in swedish


def test_a_relabelled_cases_note_stays_internal(client, open_case, rita):
    case = open_case()
    labels.correct_label(
        case,
        rita,
        "neutral",
        "Internal: customer was joking",
        case.version,
        utcnow(),
        close_as_not_complaint=True,
    )
    html = client.get(status_path(case)).get_data(as_text=True)
    assert "What we did" not in html and "Internal: customer was joking" not in html


def test_the_resolve_form_says_the_summary_is_for_the_customer(client, login, open_case, rita):
    case = open_case()
    case_work.log_contact(case, rita, "phone", "Called Carl", case.version, utcnow())
    login(rita)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Summary for the customer" in page
    assert "shown on their status page" in page


def test_the_rep_is_not_promised_a_followup_that_will_not_be_sent(client, login, open_case, rita):
    """The resolve banner promises a "did this fix it?" survey only when one is scheduled: an
    unsubscribed customer gets none, and the rep reads so."""
    case = open_case()
    case.customer.unsubscribed_at = utcnow()
    db.session.commit()
    login(rita)
    case_work.log_contact(case, rita, "phone", "Called", case.version, utcnow())
    send_case_form(client, case.id, "resolve", "resolve", {"outcome": "refund", "summary": SUMMARY})
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "The customer will be asked whether this fixed it" not in page
    assert "No &#34;did this fix it?&#34; survey this time" in page
