"""One case per open order: a customer who writes again about an order whose case is still
open (a negative survey answer, a complaint) is added to that case, not given a second one.
The rep works one case with one set of deadlines and is told "they wrote again"; the customer
is told their words went into case #N, on the thank-you page, in the email and on the status
page, in their language. A resolved case, another order, or a complaint that names no order
of theirs opens a new case as before (services/cases/joining.py)."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import triage
from portal.models import Case, CaseEvent, Complaint, Customer, Sale, SurveyResponse, utcnow
from portal.services import status_links as case_links
from portal.services.cases import joining
from portal.services.cases import review as case_review
from portal.services.cases.severity import change_severity
from portal.services.cases.themes import ensure_themes
from portal.services.customer_data.retention import anonymise_old_words
from portal.tokens import make_token

from ..conftest import TEST_DATABASE_URL, body_text, csrf_from
from .case_helpers import events
from .conftest import answer_about as answer_sale_survey
from .test_complaints import complain, confirm, link_in, mails_to, path_of
from .test_customer_uploads import PDF, files, jpeg_with_gps, stored_files
from .test_followup import followups, resolve

CARL = "carl@example.org"
LATE = "The sofa came two weeks late and one cushion is torn. I want a refund."
STILL = "Still broken, the replacement part never arrived and nobody answered my email."


@pytest.fixture
def carl() -> Customer:
    return Customer(email=CARL, name="Carl Kund", locale="en")


def all_cases() -> list[Case]:
    db.session.expire_all()
    return db.session.scalars(sa.select(Case).order_by(Case.id)).all()


def wrote_again(case: Case) -> list[CaseEvent]:
    return [e for e in events(case, "customer_message") if (e.data or {}).get("wrote_again")]


def answer_about(client, sale: Sale, comment: str = STILL, satisfaction="1", may_contact=True):
    """The customer answers `sale`'s survey (conftest.answer_about), by default with STILL."""
    return answer_sale_survey(client, sale, comment, satisfaction, may_contact)


def complain_about(client, run_jobs, outbox, sale: Sale, words: str = LATE, **fields):
    """File a complaint about `sale` on the public form and confirm it from the email: the
    status page's address."""
    before = len(mails_to(outbox, sale.customer.email))
    email = sale.customer.email
    complain(client, order_ref=sale.order_ref, email=email, description=words, **fields)
    run_jobs()
    message = mails_to(outbox, sale.customer.email)[before]
    response = confirm(client, link_in(message, "/complaint/confirm/"))
    assert response.status_code == 303
    run_jobs()
    return path_of(response.headers["Location"])


def test_a_complaint_about_an_order_whose_survey_case_is_open_joins_that_case(
    client, login, rita, answer_survey, run_jobs, outbox, carl
):
    invitation = answer_survey(rita, carl)
    run_jobs()
    [case] = all_cases()
    first_due, resolve_due = case.first_contact_due, case.resolve_due
    sale = db.session.get(Sale, invitation.sale_id)

    status_path = complain_about(client, run_jobs, outbox, sale)

    [same] = all_cases()  # no second case
    assert same.id == case.id
    assert (same.first_contact_due, same.resolve_due) == (first_due, resolve_due)
    [complaint] = db.session.scalars(sa.select(Complaint)).all()
    assert complaint.added_to_case_id == case.id
    assert joining.case_of_complaint(complaint).id == case.id
    [added] = wrote_again(same)
    assert added.message == LATE and added.actor_kind == "customer"
    assert added.data["wrote_again"] == "complaint_form"
    # The rep is told the way a status-page reply is told, once.
    [told] = [m for m in mails_to(outbox, "rita@example.com") if "wrote again" in m["Subject"]]
    assert told["Subject"] == f"Case #{case.id}: Carl Kund wrote again (complaint form)"
    assert LATE in body_text(told) and "its deadlines are unchanged" in body_text(told)
    # The customer's email and status page name the case the words went into.
    [received] = [m for m in mails_to(outbox, CARL) if m["Subject"].startswith("We have rec")]
    assert f"we have added your complaint to it (case #{case.id})" in body_text(received)
    page = client.get(status_path).text
    assert f"You already had an open case about this order (case #{case.id})" in page
    assert LATE in page and "added from the complaint form" in page
    # The rep's case page shows the words on the timeline, with where they came from.
    login(rita)
    case_page = client.get(f"/cases/{case.id}").text
    assert "The customer wrote again" in case_page and "(complaint form" in case_page
    assert LATE in case_page


def test_photos_sent_with_a_complaint_that_joins_a_case_are_in_that_case(
    client, login, rita, answer_survey, run_jobs, outbox, carl
):
    invitation = answer_survey(rita, carl)
    run_jobs()
    [case] = all_cases()
    sale = db.session.get(Sale, invitation.sale_id)

    photos = files(("torn-cushion.jpg", jpeg_with_gps()), ("receipt.pdf", PDF))
    complain_about(client, run_jobs, outbox, sale, photos=photos)

    [same] = all_cases()
    kept = stored_files()
    assert [f.case_id for f in kept] == [case.id, case.id]  # they followed the words
    [added] = wrote_again(same)
    assert [f["filename"] for f in added.data["attachments"]] == ["torn-cushion.jpg", "receipt.pdf"]
    [told] = [m for m in mails_to(outbox, "rita@example.com") if "wrote again" in m["Subject"]]
    assert "2 attached files" in body_text(told)
    login(rita)
    page = client.get(f"/cases/{case.id}").text
    # Under what they wrote again, not as files of a complaint that opened the case.
    assert "Files sent with the complaint" not in page
    assert "torn-cushion.jpg" in page and "receipt.pdf" in page
    # Shown once with a preview, under the words (the timeline names them, the note does not).
    assert page.count(f"/cases/{case.id}/attachments/{kept[0].id}/preview") == 1
    assert page.count("torn-cushion.jpg") == 2
    download = client.get(f"/cases/{case.id}/attachments/{kept[1].id}")
    assert download.status_code == 200 and download.data == PDF


def test_a_survey_answer_about_an_order_whose_complaint_case_is_open_joins_it_in_swedish(
    client, rita, make_sale, run_jobs, outbox
):
    customer = Customer(email="karin@example.org", name="Karin Kund", locale="sv")
    sale = make_sale(rep=rita, customer=customer)
    complain_about(client, run_jobs, outbox, sale, headers={"Accept-Language": "sv"})
    [case] = all_cases()
    assert case.source == "complaint_form"
    due = case.first_contact_due

    _invitation, thanks = answer_about(client, sale, comment="Fortfarande trasig, ingen svarar.")
    run_jobs()

    [same] = all_cases()
    assert same.first_contact_due == due
    response = db.session.scalar(sa.select(SurveyResponse))
    assert response.added_to_case_id == case.id
    [added] = wrote_again(same)
    assert added.message == "Fortfarande trasig, ingen svarar." and added.data["satisfaction"] == 1
    # The thank-you page says where the answer went, and links that case's status page.
    page = client.get(path_of(thanks)).text
    assert f"så vi har lagt till ditt svar i det (ärende #{case.id})" in page
    [token] = re.findall(r'href="/status/([^"?#]+)"', page)
    assert case_links.case_for_token(token, utcnow()).case.id == case.id
    # One email about it: "added to your open case", not "we have opened a case".
    subjects = [m["Subject"] for m in mails_to(outbox, "karin@example.org")]
    assert f"Vi har lagt till ditt svar i ditt öppna ärende #{case.id}" in subjects
    assert not [s for s in subjects if "öppnat ett ärende" in s.lower()]
    status = client.get(f"/status/{case_links.status_token(case)}").text
    assert "Fortfarande trasig, ingen svarar." in status and "tillagt från ditt enkätsvar" in status


def test_a_survey_answer_added_to_a_complaint_case_does_not_use_up_its_follow_up(
    client, rita, make_sale, run_jobs, outbox, carl
):
    """The survey that joined the case is part of its conversation (as the one that opens a
    case is): the customer still gets "did this fix it?" when the case is resolved."""
    sale = make_sale(rep=rita, customer=carl)
    complain_about(client, run_jobs, outbox, sale)
    answer_about(client, sale)
    run_jobs()
    [case] = all_cases()
    assert len(wrote_again(case)) == 1

    resolve(case, rita)
    db.session.commit()

    assert [f.case_id for f in followups(case)] == [case.id]
    assert not events(case, "followup_skipped")


def test_a_complaint_added_to_a_case_says_how_they_want_to_be_contacted_now(
    client, login, rita, make_sale, run_jobs, outbox, carl
):
    sale = make_sale(rep=rita, customer=carl)
    complain_about(client, run_jobs, outbox, sale)  # by email
    phone = "+46 70 123 45 67"
    status_path = complain_about(
        client, run_jobs, outbox, sale, words=STILL, contact_preference="phone", phone=phone
    )
    [case] = all_cases()
    assert case.contact_preference == "phone"
    # The customer is told they will be called, and their page says the same.
    [received, _first] = [
        m for m in reversed(mails_to(outbox, CARL)) if m["Subject"].startswith("We have rec")
    ]
    assert "We will call you, as you asked" in body_text(received)
    page = client.get(status_path).text
    assert "By phone" in page and phone in page
    # The rep sees the number to call, and why the way changed.
    login(rita)
    case_page = client.get(f"/cases/{case.id}").text
    assert phone in case_page
    assert "They now ask to be contacted by phone" in case_page


def test_a_resolved_case_is_not_joined_the_new_words_open_a_new_case(
    client, rita, answer_survey, run_jobs, outbox, carl
):
    invitation = answer_survey(rita, carl)
    run_jobs()
    [old] = all_cases()
    old.status, old.resolved_at, old.outcome = "resolved", utcnow(), "explanation"
    db.session.commit()

    complain_about(client, run_jobs, outbox, db.session.get(Sale, invitation.sale_id))

    old_again, new = all_cases()
    assert new.source == "complaint_form" and new.sale_id == old.sale_id
    assert wrote_again(old_again) == []
    assert db.session.scalar(sa.select(Complaint.added_to_case_id)) is None


def test_another_order_or_a_complaint_naming_no_order_of_theirs_opens_a_new_case(
    client, rita, make_sale, answer_survey, run_jobs, outbox, carl
):
    answer_survey(rita, carl)
    run_jobs()
    [first] = all_cases()
    other = make_sale(rep=rita, customer=first.customer, order_ref="ORD-OTHER")

    complain_about(client, run_jobs, outbox, other)
    # A complaint whose order number matches none of theirs cannot say which order: new case.
    complain(client, order_ref="ORD-NOPE", email=CARL, description="Where is my money?")
    run_jobs()
    confirm(client, confirm_link_last(outbox))
    run_jobs()

    cases = all_cases()
    assert len(cases) == 3
    assert cases[1].sale_id == other.id and cases[2].sale_id is None
    assert all(wrote_again(c) == [] for c in cases)


def confirm_link_last(outbox) -> str:
    message = [m for m in mails_to(outbox, CARL) if m["Subject"] == "Confirm your complaint"][-1]
    return link_in(message, "/complaint/confirm/")


def test_a_complaint_joining_a_no_contact_case_makes_it_want_contact(
    client, login, rita, answer_survey, run_jobs, outbox, carl
):
    invitation = answer_survey(rita, carl, may_contact=False)
    run_jobs()
    [case] = all_cases()
    assert (case.contact_wanted, case.first_contact_due) == (False, None)
    before = utcnow()

    complain_about(client, run_jobs, outbox, db.session.get(Sale, invitation.sale_id))

    [case] = all_cases()
    assert case.contact_wanted is True
    assert case.first_contact_due is not None and case.first_contact_due > before
    [note] = events(case, "wrote_again")
    assert "They ask to be contacted now" in note.message
    # The rep's page says how they want to be reached now: as the complaint asked.
    login(rita)
    page = client.get(f"/cases/{case.id}").text
    assert "badge-no-contact" not in page  # the badge is gone (the timeline keeps the past)
    assert 'They chose "By email" on the complaint form' in page


def test_a_more_urgent_message_raises_the_severity_but_keeps_the_deadlines(
    client, rita, answer_survey, run_jobs, outbox, carl
):
    invitation = answer_survey(rita, carl)
    run_jobs()
    [case] = all_cases()
    # The rep judged it minor and lowered it (deadlines recomputed for "low" then).
    change_severity(case, rita, "low", "Only a scratch, customer said so.", case.version, utcnow())
    db.session.commit()
    dues = (case.first_contact_due, case.resolve_due)

    complain_about(
        client,
        run_jobs,
        outbox,
        db.session.get(Sale, invitation.sale_id),
        words="Terrible, horrible, the worst chair ever. Disgusting service, I hate it.",
    )

    [case] = all_cases()
    [note] = events(case, "wrote_again")
    assert case.severity == "high"
    assert "Severity raised from low to high" in note.message
    assert (case.first_contact_due, case.resolve_due) == dues


def test_the_review_list_and_retention_treat_an_added_answer_as_in_its_case(
    client, rita, team, make_sale, run_jobs, outbox
):
    customer = Customer(email="dora@example.org", name="Dora Kund")
    sale = make_sale(rep=rita, customer=customer)
    complain_about(client, run_jobs, outbox, sale)
    answer_about(client, sale)
    run_jobs()
    [case] = all_cases()
    response = db.session.scalar(sa.select(SurveyResponse))
    assert response.added_to_case_id == case.id
    # Not on the managers' review list of answers that opened no case.
    lead = team.lead
    assert case_review.undecided_answer(lead, response.id) is None
    # Its words are kept while the case is open, like the words that opened it.
    counts = anonymise_old_words(0, utcnow() + timedelta(days=1))
    db.session.expire_all()
    assert counts["answers"] == 0
    assert db.session.get(SurveyResponse, response.id).comment == STILL


def test_running_the_analysis_again_adds_nothing_twice(client, rita, make_sale, run_jobs, outbox):
    sale = make_sale(rep=rita, customer=Customer(email="eva@example.org", name="Eva Kund"))
    complain_about(client, run_jobs, outbox, sale)
    answer_about(client, sale)
    run_jobs()
    response = db.session.scalar(sa.select(SurveyResponse))
    complaint = db.session.scalar(sa.select(Complaint))

    assert triage.analyse_response(response.id) == "case already open"
    assert triage.analyse_complaint(complaint.id) == "case already open"

    [case] = all_cases()
    assert len(wrote_again(case)) == 1
    rep_mails = [m for m in outbox() if "wrote again" in m["Subject"]]
    assert len(rep_mails) == 1


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="row locks need PostgreSQL")
def test_two_complaints_about_one_order_analysed_at_once_open_one_case_on_postgres(
    app, rita, make_sale
):
    """Both analyses have read their complaint before either looks for the order's case (a
    third session holds the sale's row lock until both are waiting): one opens the case,
    the other is added to it. Without `joining.lock_order` both find no open case and two
    cases open (checked by hand: the results are then ["case opened", "case opened"])."""
    from portal.jobs.triage import _analyze

    _analyze("warm the model up")  # not inside the race
    ensure_themes(commit=True)  # as in production: the themes exist before any case
    sale = make_sale(rep=rita, customer=Customer(email="fia@example.org", name="Fia Kund"))
    now = utcnow()
    ids = []
    for words in (LATE, STILL):
        complaint = Complaint(
            email="fia@example.org",
            name="Fia Kund",
            order_ref_given=sale.order_ref,
            customer_id=sale.customer_id,
            sale_id=sale.id,
            category="delivery",
            description=words,
            confirmed_at=now,
        )
        db.session.add(complaint)
        db.session.flush()
        ids.append(complaint.id)
    db.session.commit()

    holder = db.engine.connect()
    holder_tx = holder.begin()
    holder.execute(sa.select(Sale.id).where(Sale.id == sale.id).with_for_update())
    results, errors = {}, []

    def analyse(complaint_id):
        try:
            with app.app_context():
                results[complaint_id] = triage.analyse_complaint(complaint_id)
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=analyse, args=(cid,)) for cid in ids]
    for thread in threads:
        thread.start()
    waiting = 0
    for _ in range(100):  # until both sessions wait for the sale's lock
        with db.engine.connect() as probe:
            waiting = probe.scalar(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
                    " OR (NOT granted AND locktype = 'tuple')"
                )
            )
        if waiting >= 2:
            break
        threading.Event().wait(0.1)
    holder_tx.rollback()
    holder.close()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert waiting >= 2, "both analyses should have waited for the lock"
    assert sorted(results.values()) == ["added to the open case", "case opened"]
    [case] = all_cases()
    complaints = db.session.scalars(sa.select(Complaint).order_by(Complaint.id)).all()
    joined = [c for c in complaints if c.added_to_case_id == case.id]
    assert len(joined) == 1 and case.complaint_id in ids
    assert len(wrote_again(case)) == 1


def test_an_added_answer_changed_by_the_customer_shows_the_new_words_once(
    client, rita, make_sale, run_jobs, outbox
):
    sale = make_sale(rep=rita, customer=Customer(email="gun@example.org", name="Gun Kund"))
    complain_about(client, run_jobs, outbox, sale)
    invitation, _thanks = answer_about(client, sale)
    run_jobs()
    path = f"/s/{make_token('survey', invitation.id)}"
    page = client.get(path).get_data(as_text=True)
    changed = "Now they called me, but the part is still missing."
    data = {"csrf_token": csrf_from(page), "satisfaction": "2", "comment": changed}
    assert client.post(path, data={**data, "may_contact": "y"}).status_code == 303
    run_jobs()

    [case] = all_cases()
    first, second = wrote_again(case)
    assert (first.message, second.message) == (STILL, changed)
    assert second.data["changed"] is True
    assert "changed the survey answer they had added" in events(case, "wrote_again")[-1].message
    told = [m for m in mails_to(outbox, "rita@example.com") if "wrote again" in m["Subject"]]
    assert len(told) == 2
