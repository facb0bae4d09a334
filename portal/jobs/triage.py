"""Jobs of damage control: analyse what customers wrote, open and route cases, tell the rep.

Every job takes ids, reloads its rows, and is idempotent: run twice, or by two workers at
once, it opens one case and sends one email. Its work and its outbox "done" mark commit in one
transaction, so a worker killed mid-job leaves nothing half-written: the job simply runs again.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from portal import mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import Case, CaseEvent, Complaint, Customer, SurveyResponse, utcnow
from portal.services.cases import contact, joining
from portal.services.cases import work as case_work
from portal.services.cases.answer_changes import apply_changed_answer
from portal.services.cases.opening import case_subject, open_case
from portal.services.cases.severity import is_key_customer, severity_for
from portal.services.staff.time_zones import zone_of
from portal.services.surveys.answers import sounds_unhappy
from portal.services.surveys.doubt import review_doubt
from portal.urls import external_url

log = logging.getLogger(__name__)

ANALYSE_RESPONSE = "triage.analyse_response"
ANALYSE_COMPLAINT = "triage.analyse_complaint"
NOTIFY_CASE_ASSIGNED = "triage.notify_case_assigned"


def _commit_or_lose_race(key: str, *args) -> bool:
    """Commit; if another run of the same job committed its case first (unique violation),
    roll back and count the work as done by that run."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        outbox.mark_done(key, *args)
        db.session.commit()
        log.info("%s%r: another run opened the case first", key, args)
        return False


def _analyze(*args):
    """The sentiment model, imported on first use: TextBlob takes a third of a second to load,
    which a process that imports the job modules without running an analysis (the web process
    registers the jobs) should never pay. The worker loads it once at start (worker.preload)."""
    from portal.sentiment import analyze  # heavy optional load (TextBlob): on first use only

    return analyze(*args)


@job(ANALYSE_RESPONSE)
def analyse_response(response_id: int) -> str:
    """Analyse a survey answer; a negative one opens exactly one case, or is added to the
    open case of the same order (services/cases/joining.py)."""
    now = utcnow()
    response = db.session.get(SurveyResponse, response_id)
    if response is None:
        outbox.mark_done(ANALYSE_RESPONSE, response_id)
        db.session.commit()
        return "gone"
    invitation = response.invitation
    if invitation.kind == "post_sale":
        # One analysis of this order at a time; then read the answer as the last one left it.
        joining.lock_order(invitation.sale_id)
        db.session.refresh(response)
    result = _analyze(response.comment, response.satisfaction, response.recommend)
    response.store_analysis(result, now)
    response.complaint_probability = result.probability
    response.review_doubt = review_doubt(response)  # its place on the managers' review list
    opened = "not negative"
    wants_case = result.label == "negative" or "mixed" in result.flags
    case = joining.case_of_response(response)
    changed = case is not None and response.updated_at is not None  # edited by the customer
    if changed and response.added_to_case_id is not None:
        if joining.add_changed_response(case, response, _severity(result, response), now):
            opened = "case shows the changed added answer"
    elif changed and apply_changed_answer(case, response, now) is not None:
        opened = "case shows the changed answer"  # and its rep is emailed (outbox)
        if case.status in ("resolved", "closed") and sounds_unhappy(response):
            # Closed (as resolved by the customer, say), and now the customer says it is not
            # sorted after all: the case goes back to the queue, not left closed.
            case_work.reopen(
                case,
                None,
                f"The customer changed their survey answer to {response.satisfaction or '-'}/5"
                " after the case was closed: it is not sorted.",
                now,
                by_customer=True,
            )
            opened = "case reopened by the changed answer"
    elif wants_case and invitation.kind == "post_sale":
        joined = (
            None
            if case is not None
            else joining.open_case_of_order(invitation.customer_id, invitation.sale_id)
        )
        if joined is not None:
            joining.add_response(joined, response, _severity(result, response), now)
            # The customer hears where their words went, in the same transaction.
            outbox.add("customer_mail.send_added_to_case_to_customer", response.id, family="mail")
            opened = "added to the open case"
        elif case is None:
            sale = invitation.sale
            case = open_case(
                source="survey",
                customer=invitation.customer,
                sale=sale,
                now=now,
                polarity=result.polarity,
                satisfaction=response.satisfaction,
                reasons=list(result.reasons),
                needs_review=result.needs_review,
                response=response,
                subject=case_subject(response.comment),
                description=response.comment,
            )
            # The customer hears from us in the same transaction that opens the case.
            outbox.add("customer_mail.send_case_opened_to_customer", case.id, family="mail")
            opened = "case opened"
        else:
            opened = "case already open"
    outbox.mark_done(ANALYSE_RESPONSE, response_id)
    _commit_or_lose_race(ANALYSE_RESPONSE, response_id)
    outbox.flush()  # the rep's email, queued with the case
    return opened


@job(ANALYSE_COMPLAINT)
def analyse_complaint(complaint_id: int) -> str:
    """Analyse a confirmed complaint and open its case (every complaint gets one)."""
    now = utcnow()
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.confirmed_at is None:
        outbox.mark_done(ANALYSE_COMPLAINT, complaint_id)
        db.session.commit()
        return "not confirmed"
    # One analysis of this order at a time; then read the complaint as the last one left it.
    joining.lock_order(complaint.sale_id)
    db.session.refresh(complaint)
    result = _analyze(complaint.description)
    complaint.store_analysis(result, now)
    outcome = "case already open"
    already = joining.case_of_complaint(complaint) is not None  # a second run of this job
    joined = None if already else _open_case_for(complaint)
    if joined is not None:
        severity = severity_for(
            min(result.polarity, -0.2), None, is_key_customer(joined.customer_id)
        )
        joining.add_complaint(joined, complaint, severity, now)
        outcome = "added to the open case"
    elif not already:
        customer = complaint.customer or _customer_for(complaint)
        complaint.customer_id = customer.id
        open_case(
            source="complaint_form",
            customer=customer,
            sale=complaint.sale,
            now=now,
            polarity=min(result.polarity, -0.2),  # a complaint is a complaint
            satisfaction=None,
            reasons=[f"complaint: {complaint.category.replace('_', ' ')}", *result.reasons],
            needs_review=result.needs_review,
            complaint=complaint,
            subject=case_subject(complaint.description),
            description=complaint.description,
            category=complaint.category,
            contact_preference=complaint.contact_preference,
        )
        outcome = "case opened"
    outbox.mark_done(ANALYSE_COMPLAINT, complaint_id)
    _commit_or_lose_race(ANALYSE_COMPLAINT, complaint_id)
    outbox.flush()
    return outcome


def _severity(result, response: SurveyResponse) -> str:
    """The severity these words alone would give a new case (services/cases/severity.py)."""
    customer_id = response.invitation.customer_id
    return severity_for(result.polarity, response.satisfaction, is_key_customer(customer_id))


def _open_case_for(complaint: Complaint) -> Case | None:
    """The open case of the complaint's order it goes into (a complaint with no matched sale
    opens its own case)."""
    if complaint.sale is None:
        return None
    return joining.open_case_of_order(complaint.sale.customer_id, complaint.sale_id)


def _customer_for(complaint: Complaint) -> Customer:
    customer = db.session.scalar(sa.select(Customer).where(Customer.email == complaint.email))
    if customer is None:
        customer = Customer(email=complaint.email, name=complaint.name, locale=complaint.locale)
        db.session.add(customer)
        db.session.flush()
    return customer


@job(NOTIFY_CASE_ASSIGNED)
def notify_case_assigned(case_id: int) -> bool:
    """Email the assigned rep the case link, once (claimed before sending: jobs/claims.py)."""
    if not claims.claim(notify_case_assigned, case_id):
        return False
    case = db.session.get(Case, case_id)
    if case is None or case.assigned_rep is None or case.rep_notified_at is not None:
        outbox.mark_done(NOTIFY_CASE_ASSIGNED, case_id)
        db.session.commit()
        return False
    rep = case.assigned_rep
    message = mail.build_message(
        rep.email,
        f"New {case.severity} case #{case.id}: {case.customer.name}",
        "case_assigned",
        case=case,
        rep=rep,
        contact_line=contact.for_staff(contact.of_case(case)),
        link=external_url("cases.show", case_id=case.id),
        reader_zone=zone_of(rep),  # the deadlines in the rep's own time zone
    )
    mail.send(message)
    case.rep_notified_at = utcnow()
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind="rep_notified",
            message=f"{rep.name} was emailed about the case.",
        )
    )
    outbox.mark_done(NOTIFY_CASE_ASSIGNED, case_id)
    db.session.commit()
    return True
