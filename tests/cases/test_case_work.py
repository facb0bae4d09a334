"""What a rep does with a case, from the case page: log contacts, write notes, email the
customer, resolve, reopen; the allowed transitions; two people on the same case."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import SurveyInvitation, utcnow
from portal.services.cases import messages as customer_messages
from portal.services.cases import waiting as case_waiting
from portal.services.cases import work as case_work
from portal.services.cases.work import TRANSITIONS
from portal.services.rules import RuleError

from .case_helpers import answer_changed, events, make_case, reload, send_case_form


@pytest.fixture
def case(rita):
    return make_case(rita, customer_name="Carl Kund", subject="Broken chair")


def _status(case, status, **fields):
    case.status = status
    for name, value in fields.items():
        setattr(case, name, value)
    db.session.commit()
    return case


# --- contact ----------------------------------------------------------------------------------


def test_the_first_contact_is_logged_once_and_meets_the_deadline(client, login, case, rita):
    login(rita)
    response = send_case_form(
        client, case.id, "contact", "contact", {"channel": "phone", "note": "Promised a refund"}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).text
    assert "First contact logged: the deadline is met." in page
    assert "First contact by phone logged by Rita Rep: Promised a refund" in page
    case = reload(case)
    assert case.status == "contacted"
    first_at = case.first_contact_at
    assert first_at is not None

    send_case_form(client, case.id, "contact", "contact", {"channel": "email", "note": "Again"})
    case = reload(case)
    assert case.first_contact_at == first_at  # a later contact never moves it
    [first, second] = events(case, "contact_logged")
    assert (first.data["first"], second.data["first"]) == (True, False)
    assert second.actor_id == rita.id and second.data["channel"] == "email"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"channel": "phone", "note": "  "}, "Say what was agreed or said"),
        ({"note": "Called"}, "Choose phone, email or meeting."),
        ({"channel": "pigeon", "note": "Coo"}, "Not a valid choice"),
    ],
)
def test_a_contact_without_its_details_is_refused_with_what_to_fix(
    client, login, case, rita, data, message
):
    login(rita)
    response = send_case_form(client, case.id, "contact", "contact", data)
    assert response.status_code == 422
    assert message in response.text
    assert reload(case).status == "open" and events(case, "contact_logged") == []


# --- transitions --------------------------------------------------------------------------------

STATUSES = ("open", "contacted", "resolved", "closed", "reopened", "waiting")


def _run(action, case, rita, now):
    if action == "contact":
        return case_work.log_contact(case, rita, "phone", "Called", case.version, now)
    if action == "resolve":
        return case_work.resolve(case, rita, "refund", "Refunded", case.version, now)
    if action == "reopen":
        return case_work.reopen(case, rita, "Still broken", now, version=case.version)
    if action == "close_resolved_by_customer":
        return case_work.close_resolved_by_customer(case, rita, "", case.version, now)
    if action == "wait":
        return case_waiting.wait_for_customer(case, rita, "Photo?", 3, case.version, now)
    if action == "resume":
        return case_waiting.take_back(case, rita, case.version, now)
    return case_work.close(case, rita, "Confirmed by phone", now)


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_each_action_moves_only_the_statuses_the_table_allows(app, case, rita, action, status):
    case = _status(case, "contacted" if status == "waiting" else status, first_contact_at=utcnow())
    if status == "waiting":  # a real wait: its question emailed, its pause row
        _run("wait", case, rita, utcnow())
        case = reload(case)
    elif status == "open":
        case = _status(case, "open", first_contact_at=None)
    if action == "close_resolved_by_customer":
        answer_changed(case)  # what the action needs besides the status
    version, count = case.version, len(events(case))
    if status in TRANSITIONS[action]:
        _run(action, case, rita, utcnow())
        assert reload(case).status == TRANSITIONS[action][status]
    else:
        with pytest.raises(RuleError) as refused:
            _run(action, case, rita, utcnow())
        assert refused.value.message  # a sentence, not a code
        case = reload(case)
        assert (case.status, case.version, len(events(case))) == (status, version, count)


def test_an_open_case_is_not_resolved_before_the_first_contact(client, login, case, rita):
    login(rita)
    page = client.get(f"/cases/{case.id}").text
    assert "Log the first contact with the customer before resolving the case." in page
    assert 'name="resolve-outcome"' not in page


def test_resolving_records_outcome_and_summary_and_asks_the_customer(
    client, login, case, rita, run_jobs
):
    _status(case, "contacted", first_contact_at=utcnow())
    login(rita)
    response = send_case_form(
        client,
        case.id,
        "resolve",
        "resolve",
        {"outcome": "replacement", "summary": "New chair delivered"},
    )
    assert response.status_code == 302
    case = reload(case)
    assert (case.status, case.outcome, case.resolution_summary) == (
        "resolved",
        "replacement",
        "New chair delivered",
    )
    assert case.resolved_at is not None
    [event] = events(case, "resolved")
    assert event.actor_id == rita.id
    assert event.message == "Resolved by Rita Rep with replacement: New chair delivered"
    # The "did this fix it?" follow-up is scheduled in the same transaction.
    followup = db.session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.case_id == case.id)
    )
    assert followup is not None and followup.kind == "resolution"
    page = client.get(f"/cases/{case.id}").text
    assert "Follow-up survey scheduled" in page
    assert 'name="reopen-reason"' in page and 'name="contact-note"' not in page


def test_resolving_needs_an_outcome_from_the_list_and_a_summary(client, login, case, rita):
    _status(case, "contacted", first_contact_at=utcnow())
    login(rita)
    response = send_case_form(client, case.id, "resolve", "resolve", {"outcome": "", "summary": ""})
    assert response.status_code == 422
    assert "Choose what was done." in response.text
    assert "Sum up what was done" in response.text
    assert reload(case).status == "contacted"


# --- reopen and close ---------------------------------------------------------------------------


def test_staff_reopen_counts_clears_the_resolution_and_restarts_the_deadline(
    client, login, case, rita
):
    resolved_at = utcnow() - timedelta(days=10)
    _status(
        case,
        "resolved",
        first_contact_at=resolved_at,
        resolved_at=resolved_at,
        outcome="refund",
        resolve_due=resolved_at,
    )
    login(rita)
    response = send_case_form(client, case.id, "reopen", "reopen", {"reason": "Refund bounced"})
    assert response.status_code == 302
    case = reload(case)
    assert case.status == "reopened" and case.reopen_count == 1
    assert case.resolved_at is None and case.outcome is None
    assert case.resolve_due > utcnow()  # counted again from now, not overdue at once
    [event] = events(case, "reopened")
    assert event.actor_id == rita.id and event.actor_kind == "staff"
    assert event.data["previous_outcome"] == "refund"
    assert event.message.startswith("Reopened by Rita Rep: Refund bounced.")
    # Back to work: the next contact moves it to contacted, then it can be resolved again.
    send_case_form(client, case.id, "contact", "contact", {"channel": "phone", "note": "Sorry"})
    assert reload(case).status == "contacted"
    assert reload(case).first_contact_at == resolved_at


def test_the_customer_reopens_and_closes_without_a_staff_actor(app, case, rita):
    now = utcnow()
    _status(case, "resolved", first_contact_at=now, resolved_at=now, outcome="discount")
    case_work.reopen(case, None, "the customer answered no", now, by_customer=True)
    case = reload(case)
    assert case.status == "reopened" and case.reopen_count == 1
    [event] = events(case, "reopened")
    assert event.actor_kind == "customer" and event.actor_id is None
    assert "Reopened by the customer" in event.message

    case_work.resolve(case, rita, "refund", "Refunded instead", case.version, now)
    case_work.close(case, None, "the customer answered yes", now, by_customer=True)
    case = reload(case)
    assert case.status == "closed" and case.closed_at is not None
    assert case.reopen_count == 1
    with pytest.raises(ValueError, match="staff actor"):
        case_work.reopen(case, None, "nobody", now)


# --- notes and emails ---------------------------------------------------------------------------


def test_an_internal_note_goes_in_the_timeline_and_changes_nothing_else(client, login, case, rita):
    login(rita)
    version = case.version
    response = send_case_form(client, case.id, "note", "note", {"text": "<b>VIP</b> customer"})
    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").text
    assert "Note by Rita Rep: &lt;b&gt;VIP&lt;/b&gt; customer" in page
    case = reload(case)
    assert case.version == version and case.status == "open"


def test_emailing_the_customer_sends_the_mail_and_counts_as_contact(
    client, login, case, rita, run_jobs, outbox
):
    login(rita)
    response = send_case_form(
        client, case.id, "email", "email", {"body": "We will send a new chair tomorrow."}
    )
    assert response.status_code == 302
    run_jobs()
    case = reload(case)
    assert case.status == "contacted" and case.first_contact_at is not None
    [sent] = events(case, "message_to_customer")
    assert sent.actor_id == rita.id and sent.message == "We will send a new chair tomorrow."
    [mail] = [m for m in outbox() if m["To"] == case.customer.email]
    body = mail.get_body(("plain",)).get_content()
    assert "We will send a new chair tomorrow." in body
    # The customer answers through their link; the answer lands on the case.
    customer_messages.receive_from_customer(case, "Thanks, see you then", utcnow())
    page = client.get(f"/cases/{case.id}").text
    assert "Thanks, see you then" in page and "Customer replied" in page
    queue = client.get("/cases/").text
    assert "Customer replied" in queue
    # Acting on the case (here a note) answers the reply: the mark goes.
    send_case_form(client, case.id, "note", "note", {"text": "Confirmed by phone"})
    assert "Customer replied" not in client.get("/cases/").text


def test_an_empty_email_is_refused_and_nothing_is_sent(client, login, case, rita, outbox):
    login(rita)
    response = send_case_form(client, case.id, "email", "email", {"body": " "})
    assert response.status_code == 422
    assert "Write the message to the customer first." in response.text
    assert events(reload(case), "message_to_customer") == []
    assert reload(case).status == "open"


# --- two people, one case -----------------------------------------------------------------------


def test_a_form_from_before_someone_elses_change_is_refused_with_what_changed(
    client, login, case, rita, team
):
    _status(case, "contacted", first_contact_at=utcnow())
    login(rita)
    page = client.get(f"/cases/{case.id}").text
    # Meanwhile the manager resolves the case.
    case_work.resolve(case, team.lead, "refund", "Refunded by the manager", case.version, utcnow())
    response = send_case_form(
        client,
        case.id,
        "contact",
        "contact",
        {"channel": "phone", "note": "My carefully typed note"},
        html=page,
    )
    assert response.status_code == 409
    html = response.text
    assert "Someone else changed this case while you had it open, so nothing was saved." in html
    assert "Resolved by Maja Manager with refund: Refunded by the manager" in html
    # The page opens at the refused form: it says so there too, with the words kept.
    assert "Not saved:</span> someone else changed this case meanwhile." in html
    assert "My carefully typed note</textarea>" in html
    case = reload(case)
    assert case.status == "resolved"
    assert [e.actor_id for e in events(case, "contact_logged")] == []


def test_a_stale_form_keeps_the_text_and_can_be_sent_again_knowingly(
    client, login, case, rita, team
):
    _status(case, "contacted", first_contact_at=utcnow())
    login(rita)
    page = client.get(f"/cases/{case.id}").text
    case_work.log_contact(case, team.lead, "meeting", "Met them", case.version, utcnow())
    refused = send_case_form(
        client, case.id, "resolve", "resolve", {"outcome": "refund", "summary": "Refund"}, html=page
    )
    assert refused.status_code == 409
    assert "Contact by meeting logged by Maja Manager: Met them" in refused.text
    assert "Refund</textarea>" in refused.text  # what Rita wrote is still there
    # The page she now has is up to date: sending it again works.
    again = send_case_form(
        client,
        case.id,
        "resolve",
        "resolve",
        {"outcome": "refund", "summary": "Refund"},
        html=refused.text,
    )
    assert again.status_code == 302
    assert reload(case).status == "resolved"


def test_the_case_page_shows_history_deadlines_and_who_is_responsible(
    client, login, case, rita, make_sale
):
    make_sale(rep=rita, customer=case.customer, order_ref="ORD-LATER", product="Standing desk")
    earlier = make_case(rita, customer=case.customer, subject="Scratched desk", status="closed")
    login(rita)
    html = client.get(f"/cases/{case.id}").text
    assert "The chair broke after two days." in html  # the customer's own words
    assert "&#39;broke&#39; is a negative cue" in html  # the analysis with its reasons
    assert "ORD-LATER" in html and "Standing desk" in html and case.sale.order_ref in html
    assert "SEK\u00a03,750.00" in html  # lifetime value over every sale (3 of 1250)
    assert f'href="/cases/{earlier.id}"' in html and "Scratched desk" in html
    assert "First contact by" in html and "Resolve by" in html
    assert "Rita Rep" in html
