"""A customer's data on request (issue 17 point 3): admins find a customer, export everything
held about them (JSON and a readable page), and anonymise them while the figures stay true;
a retention rule removes old words by itself. All of it lands in the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import periodic
from portal.jobs.registry import resolve
from portal.metrics.periods import period_of
from portal.metrics.rollup import compute_period
from portal.models import (
    AuditEvent,
    Case,
    CaseEvent,
    Complaint,
    Customer,
    SentimentCorrection,
    SurveyInvitation,
    utcnow,
)
from portal.services.cases import messages
from portal.services.customer_data.erasure import MARKER
from portal.services.customer_data.retention import months_before
from tests.conftest import submit

from .conftest import ANGRY

REPLY = "Ring me on 070-123 45 67 after five, please."


@pytest.fixture
def admin(login, make_user):
    user = make_user("admin", name="Ada Admin", email="ada@example.com")
    login(user)
    return user


@pytest.fixture
def ann(app, rita, case_from_answer) -> Customer:
    """Ann Andersson: an angry survey answer that opened a case with Rita, a message each way
    on it, a complaint with her phone number, and a label correction quoting her words."""
    customer = Customer(email="ann.andersson@example.org", name="Ann Andersson")
    case = case_from_answer(rita, customer)
    now = utcnow()
    messages.send_to_customer(case, rita, "Sorry, Ann, I will call you today.", now)
    db.session.commit()
    messages.receive_from_customer(case, REPLY, now + timedelta(minutes=1))
    db.session.add(
        Complaint(
            email=customer.email,
            name=customer.name,
            customer=customer,
            order_ref_given="ORD-00001",
            category="delivery",
            description="The parcel came broken, Ann Andersson, Storgatan 1.",
            contact_preference="phone",
            phone="+46 70 123 45 67",
            confirmed_at=now,
        )
    )
    db.session.add(
        SentimentCorrection(
            case_id=case.id, text=ANGRY, corrected_label="negative", note="Ann was clear."
        )
    )
    db.session.commit()
    return customer


def audit_events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def figures(now) -> dict:
    """Every subject's figures of this month and quarter, as the rollup computes them."""
    return {
        kind: compute_period(period_of(kind, now), now) for kind in ("week", "month", "quarter")
    }


# --- finding a customer ----------------------------------------------------------------------


def test_admins_find_a_customer_by_address_or_order_number(client, admin, ann):
    order = db.session.scalar(sa.select(Case).where(Case.customer_id == ann.id)).sale.order_ref
    for query in ("andersson@example", order):
        page = client.get(f"/admin/customers?q={query}").get_data(as_text=True)
        assert "1 customer found" in page and "Ann Andersson" in page, query
    assert "No customer matches" in client.get("/admin/customers?q=nobody").get_data(as_text=True)
    record = client.get(f"/admin/customers/{ann.id}").get_data(as_text=True)
    assert "ann.andersson@example.org" in record and "Download JSON" in record


# --- export ----------------------------------------------------------------------------------


def test_the_json_export_holds_everything_and_is_recorded_without_the_name(client, admin, ann):
    response = submit(client, f"/admin/customers/{ann.id}/export.json", {})
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))

    assert data["customer"]["email"] == "ann.andersson@example.org"
    assert len(data["sales"]) == 1 and data["sales"][0]["rep"] == "Rita Rep"
    (invitation,) = data["survey_invitations"]
    assert invitation["answer"]["comment"] == ANGRY and invitation["answer"]["satisfaction"] == 1
    (complaint,) = data["complaints"]
    assert complaint["phone"] == "+46 70 123 45 67"
    (case,) = data["cases"]
    timeline = [entry["message"] for entry in case["timeline"]]
    assert REPLY in timeline and "Sorry, Ann, I will call you today." in timeline
    assert data["label_corrections"][0]["text"] == ANGRY

    (event,) = audit_events("customer.exported")
    assert (event.target_type, event.target_id, event.after) == (
        "customer",
        str(ann.id),
        {"format": "json"},
    )
    assert event.actor_email == admin.email and event.target_label is None


def test_the_readable_export_is_a_printable_page(client, admin, ann):
    response = submit(client, f"/admin/customers/{ann.id}/export", {})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Data held about customer" in page and ANGRY in page and REPLY in page
    assert "navbar" not in page  # a document, not a portal page
    assert [e.after for e in audit_events("customer.exported")] == [{"format": "html"}]


def test_an_export_without_the_forms_token_is_refused(client, admin, ann):
    response = client.post(f"/admin/customers/{ann.id}/export.json")
    assert response.status_code == 400
    assert audit_events("customer.exported") == []


# --- anonymising -----------------------------------------------------------------------------


def test_anonymising_needs_the_customers_address_typed(client, admin, ann):
    url = f"/admin/customers/{ann.id}/anonymise"
    page = submit(client, url, {"confirm_email": "ann@example.org"}).get_data(as_text=True)
    assert "exactly to confirm" in page
    db.session.expire_all()
    assert db.session.get(Customer, ann.id).anonymised_at is None
    assert audit_events("customer.anonymised") == []


def test_anonymising_replaces_words_and_contact_data_and_keeps_every_figure(client, admin, ann):
    now = utcnow()
    before = figures(now)
    case = db.session.scalar(sa.select(Case).where(Case.customer_id == ann.id))
    kept = (case.status, case.severity, case.assigned_rep_id, case.satisfaction_before)

    url = f"/admin/customers/{ann.id}/anonymise"
    response = submit(client, url, {"confirm_email": " Ann.Andersson@example.org "})
    assert response.status_code == 302

    db.session.expire_all()
    assert figures(now) == before  # the performance records stay true
    customer = db.session.get(Customer, ann.id)
    assert customer.name == MARKER and "andersson" not in customer.email
    assert customer.anonymised_at and customer.unsubscribed_at and customer.bounced_at
    case = db.session.get(Case, case.id)
    assert (case.status, case.severity, case.assigned_rep_id, case.satisfaction_before) == kept
    assert case.description == MARKER
    invitation = db.session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.customer_id == ann.id)
    )
    assert invitation.response.comment == MARKER and invitation.response.satisfaction == 1
    assert invitation.response.sentiment_label == "negative"
    complaint = db.session.scalar(sa.select(Complaint))
    assert (complaint.name, complaint.phone, complaint.description) == (MARKER, None, MARKER)
    assert "andersson" not in complaint.email
    events = db.session.scalars(sa.select(CaseEvent).where(CaseEvent.case_id == case.id)).all()
    written = [e for e in events if e.actor_kind != "system" or e.kind == "opened"]
    assert len(written) >= 3 and all(e.message in (None, MARKER) for e in written)
    assigned = next(e for e in events if e.kind == "assigned")
    assert assigned.message.startswith("Assigned to Rita Rep")  # the portal's own words stay
    correction = db.session.scalar(sa.select(SentimentCorrection))
    assert (correction.text, correction.note, correction.corrected_label) == (
        MARKER,
        MARKER,
        "negative",
    )

    # Nothing of Ann is left in the export, nor in the audit trail.
    export = submit(client, f"/admin/customers/{ann.id}/export.json", {}).get_data(as_text=True)
    trail = str(
        [(e.target_label, e.before, e.after) for e in db.session.scalars(sa.select(AuditEvent))]
    )
    for words in ("Andersson", "andersson", "070-123", "123 45 67", "refund", "Storgatan"):
        assert words not in export and words not in trail, words
    (event,) = audit_events("customer.anonymised")
    assert event.actor_email == admin.email and event.after["answers"] == 1

    # Done once: the page says so, and a second run is refused.
    again = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "already anonymised" in again


def test_an_anonymised_customer_gets_no_more_surveys(client, admin, ann, make_sale, run_jobs):
    submit(client, f"/admin/customers/{ann.id}/anonymise", {"confirm_email": ann.email})
    db.session.expire_all()
    customer = db.session.get(Customer, ann.id)
    sale = make_sale(customer=customer, sold_at=utcnow() - timedelta(days=4))
    db.session.add(
        SurveyInvitation(kind="post_sale", customer=customer, sale=sale, scheduled_for=utcnow())
    )
    db.session.commit()
    resolve("surveys.dispatch_surveys")()
    run_jobs()
    db.session.expire_all()
    pending = db.session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.sale_id == sale.id)
    )
    assert pending.sent_at is None and pending.skip_reason == "unsubscribed"


# --- retention -------------------------------------------------------------------------------


def test_months_before_keeps_the_day_or_takes_the_months_last():
    now = utcnow().replace(year=2027, month=3, day=31)
    assert months_before(now, 1).date().isoformat() == "2027-02-28"
    assert months_before(now, 14).date().isoformat() == "2026-01-31"


def test_retention_replaces_old_words_of_closed_cases_once_as_a_system_action(
    app, rita, case_from_answer, answer_survey
):
    old_customer = Customer(email="old@example.org", name="Olle Old")
    old_case = case_from_answer(rita, old_customer, comment="Terrible, broken again, refund!")
    long_ago = utcnow() - timedelta(days=250)
    old_case.status, old_case.closed_at, old_case.created_at = "closed", long_ago, long_ago
    old_answer = db.session.scalar(
        sa.select(SurveyInvitation).where(SurveyInvitation.customer_id == old_customer.id)
    ).response
    old_answer.submitted_at = long_ago
    # Just as old, but its case is still open: kept until it is resolved.
    open_customer = Customer(email="open@example.org", name="Oda Open")
    open_case = case_from_answer(rita, open_customer, comment="Still broken, nobody calls back.")
    open_case.created_at = long_ago
    open_case_answer = db.session.get(Case, open_case.id).response_id
    # Recent words: kept.
    recent = answer_survey(
        rita, Customer(email="new@example.org", name="Nils New"), "5", "Lovely chair"
    )
    db.session.execute(
        sa.update(type(old_answer))
        .where(type(old_answer).id == open_case_answer)
        .values(submitted_at=long_ago)
    )
    db.session.commit()

    app.config["CUSTOMER_WORDS_RETENTION_MONTHS"] = 6
    assert "customer-words-retention" in periodic.PERIODIC
    first = resolve("privacy.apply_retention")()
    second = resolve("privacy.apply_retention")()

    assert first["answers"] == 1 and first["case_texts"] == 2  # subject, description
    assert not any(second.values())
    db.session.expire_all()
    assert old_answer.comment == MARKER and old_answer.satisfaction is not None
    assert db.session.get(Case, old_case.id).description == MARKER
    assert db.session.get(Customer, old_customer.id).name == "Olle Old"  # contact data stays
    assert db.session.get(Case, open_case.id).description == "Still broken, nobody calls back."
    assert db.session.get(SurveyInvitation, recent.id).response.comment == "Lovely chair"
    (event,) = audit_events("retention.customer_words_anonymised")
    assert event.actor_kind == "system" and event.after["months"] == 6


def test_retention_is_off_unless_set(app, rita, case_from_answer):
    customer = Customer(email="old@example.org", name="Olle Old")
    case = case_from_answer(rita, customer)
    case.status, case.created_at = "closed", utcnow() - timedelta(days=4000)
    db.session.commit()
    assert app.config["CUSTOMER_WORDS_RETENTION_MONTHS"] == 0
    assert resolve("privacy.apply_retention")() is None
    db.session.expire_all()
    assert db.session.get(Case, case.id).description != MARKER
