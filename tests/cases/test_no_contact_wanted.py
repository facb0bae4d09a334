"""A customer who left "You may contact me" unticked on the survey was told we contact them
only if we need to ask something: their case has no first-contact deadline (no breach, no
manager email, no case.breached webhook for it), is marked "No contact wanted" on the case page
and in the queue, is resolved without a logged contact, and sends no "did this fix it?"
follow-up. A complaint is asking to be contacted: its case keeps wanting contact."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, SurveyInvitation, utcnow
from portal.services import status_links as case_links
from portal.services.cases.escalation import mark_breaches
from portal.services.staff import api_keys
from portal.tokens import make_token

from ..conftest import body_text, csrf_from
from .case_helpers import events, make_case, reload, send_case_form
from .conftest import ANGRY

BADGE = "No contact wanted"
MEANING = "They did not ask to be contacted: review, note what was done, resolve"


def test_an_answer_without_may_contact_opens_a_case_with_no_first_contact_deadline(
    app, rita, case_from_answer, outbox
):
    quiet = case_from_answer(
        rita, Customer(email="quiet@example.org", name="Quiet Kund"), may_contact=False
    )
    asked = case_from_answer(
        rita, Customer(email="asked@example.org", name="Asked Kund"), may_contact=True
    )

    assert (quiet.contact_wanted, quiet.first_contact_due) == (False, None)
    assert quiet.resolve_due is not None
    assert asked.contact_wanted is True and asked.first_contact_due is not None
    [opened] = events(quiet, "opened")
    assert "No contact wanted" in opened.message
    # The rep's email says so instead of a first-contact time.
    [told] = [m for m in outbox() if f"case #{quiet.id}:" in m["Subject"]]
    assert "No contact wanted: review, note what was done, resolve" in body_text(told)
    assert "First contact by" not in body_text(told)
    # Past both first-contact deadlines, before both resolution deadlines: only the case of
    # the customer who asked to be contacted is breached (and its manager emailed).
    later = max(asked.first_contact_due, quiet.first_contact_due or asked.first_contact_due)
    later = min(later + timedelta(minutes=1), quiet.resolve_due - timedelta(minutes=1))
    assert mark_breaches(later) == [(asked.id, "first_contact")]
    assert reload(quiet).first_contact_breached_at is None
    assert events(quiet, "breach") == []
    # Its resolution deadline still counts.
    assert (quiet.id, "resolution") in mark_breaches(quiet.resolve_due + timedelta(minutes=1))


def test_the_rep_sees_the_badge_and_resolves_without_contact_and_no_followup_is_sent(
    client, login, rita, case_from_answer, run_jobs, outbox
):
    quiet = Customer(email="quiet@example.org", name="Quiet Kund", locale="sv")
    case = case_from_answer(rita, quiet, may_contact=False)
    login(rita)

    page = client.get(f"/cases/{case.id}").text
    assert BADGE in page and MEANING in page
    assert "No deadline: they did not ask to be contacted" in page
    assert "Log the first contact with the customer before resolving" not in page
    assert 'name="resolve-outcome"' in page  # resolvable while still open
    queue = client.get("/cases/").text
    assert BADGE in queue and MEANING in queue

    response = send_case_form(
        client,
        case.id,
        "resolve",
        "resolve",
        {"outcome": "explanation", "summary": "Checked the delivery: the courier was late."},
    )
    assert response.status_code == 302
    case = reload(case)
    assert (case.status, case.first_contact_at) == ("resolved", None)
    # No "did this fix it?" survey, and the timeline says why.
    invitations = sa.select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    assert db.session.scalars(invitations).all() == []
    [skipped] = events(case, "followup_skipped")
    assert "did not ask to be contacted" in skipped.message
    resolved_page = client.get(f"/cases/{case.id}").text
    assert "did not ask to be contacted" in resolved_page
    # Once resolved, the badge stays but the instructions for working the case go.
    assert BADGE in resolved_page and MEANING not in resolved_page
    before = len(outbox())
    run_jobs()
    assert not [m for m in outbox()[before:] if m["To"] == "quiet@example.org"]
    # The customer's status page (in their Swedish) says no such email comes.
    status = client.get(f"/status/{case_links.status_token(case)}").text
    assert "så vi mejlar dig inte för att fråga om det löste problemet" in status
    assert "Undersökt" in status and "I kontakt med dig" not in status


def test_a_case_wanting_contact_still_needs_the_contact_before_resolving(
    client, login, rita, case_from_answer
):
    case = case_from_answer(
        rita, Customer(email="asked@example.org", name="Asked Kund"), may_contact=True
    )
    login(rita)
    page = client.get(f"/cases/{case.id}").text
    assert BADGE not in page
    assert "Log the first contact with the customer before resolving the case." in page
    refused = send_case_form(
        client, case.id, "resolve", "resolve", {"outcome": "explanation", "summary": "Done."}
    )
    assert "Log the first contact" in refused.text
    assert reload(case).status == "open"


def test_ticking_or_unticking_may_contact_later_brings_or_takes_the_deadline(
    client, rita, answer_survey, run_jobs, outbox
):
    customer = Customer(email="stina@example.org", name="Stina Kund")
    invitation = answer_survey(rita, customer, may_contact=False)
    run_jobs()
    case = db.session.scalars(sa.select(Case)).one()
    assert case.first_contact_due is None
    path = f"/s/{make_token('survey', invitation.id)}"

    def answer_again(may_contact: bool) -> Case:
        page = client.get(path).text
        data = {"csrf_token": csrf_from(page), "satisfaction": "1", "comment": ANGRY}
        if may_contact:
            data["may_contact"] = "y"
        assert client.post(path, data=data).status_code == 303
        run_jobs()
        return reload(case)

    ticked = answer_again(True)
    assert ticked.contact_wanted is True and ticked.first_contact_due > utcnow()
    [changed] = events(case, "answer_changed")
    assert 'They ticked "You may contact me": first contact by' in changed.message
    # The rep is emailed what changed: the same words, not an unchanged rating alone.
    [told] = [m for m in outbox() if "changed their answer" in m["Subject"]]
    assert 'They ticked "You may contact me": first contact by' in body_text(told)
    unticked = answer_again(False)
    assert (unticked.contact_wanted, unticked.first_contact_due) == (False, None)


def test_the_api_says_whether_contact_is_wanted(client, rita):
    quiet = make_case(rita, contact_wanted=False)
    quiet.first_contact_due = None
    asked = make_case(rita)
    db.session.commit()
    secret = api_keys.create_key("CRM", None, ["read:cases"])[1]
    headers = {"Authorization": f"Bearer {secret}"}
    body = client.get(f"/api/v1/cases/{quiet.id}", headers=headers).json
    assert (body["contact_wanted"], body["first_contact_due"]) == (False, None)
    assert client.get(f"/api/v1/cases/{asked.id}", headers=headers).json["contact_wanted"]


def test_the_triage_queue_marks_it_too(client, login, team, rita):
    case = make_case(None, contact_wanted=False, customer_name="Quiet Kund")
    case.first_contact_due = None
    db.session.commit()
    login(team.lead)
    page = client.get("/cases/triage").text
    assert f'href="/cases/{case.id}"' in page
    assert BADGE in page and "None: no contact wanted" in page
