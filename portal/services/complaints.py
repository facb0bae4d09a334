"""Complaints from the public form and from survey links.

The customer's words are stored and committed before anything else happens to them. A complaint
from the public form is then confirmed through a link emailed to the address given: until then
nothing is matched, analysed or shown to staff, so nobody can file complaints in another
person's name or learn whether an order exists. A complaint sent from a survey link is confirmed
by that link. Confirming matches the order, queues the analysis (which opens the case) and the
"we have your complaint" email with the status link, all in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CasePause, Complaint, Customer, Sale, SurveyInvitation
from portal.services import customer_files
from portal.services.addresses import normalise_email
from portal.services.cases import contact, joining
from portal.services.sla.calendar import calendar_for_team
from portal.services.sla.deadlines import calendar_team, counts_business_hours, policy_for
from portal.services.surveys.schedule import zone
from portal.tokens import InvalidToken, make_token, read_token

CONFIRM_MAX_AGE = 7 * 24 * 3600
STATUS_MAX_AGE = 365 * 24 * 3600
# The same words from the same address within this time are one complaint sent twice (a
# double click, a reload that re-posts), not two.
RESEND_WINDOW = timedelta(minutes=10)


@dataclass(frozen=True)
class Details:
    """What went wrong and how the customer wants to hear from us."""

    category: str
    description: str
    contact_preference: str
    phone: str | None
    files: tuple[customer_files.CleanFile, ...] = ()  # photos and PDFs, checked and cleaned


@dataclass(frozen=True)
class Complainant:
    """Who the public form says the customer is (unproven until they confirm)."""

    email: str
    name: str
    order_ref: str | None


def _fields(details: Details) -> dict:
    return {
        "category": details.category,
        "description": details.description.strip(),
        "contact_preference": details.contact_preference,
        "phone": (details.phone or "").strip() or None,
    }


def file_complaint(who: Complainant, details: Details, locale: str, now: datetime) -> Complaint:
    """Store a complaint from the public form, with the photos and files sent with it, and
    queue its confirmation email."""
    fields = {
        "email": normalise_email(who.email),
        "name": who.name.strip(),
        "order_ref_given": (who.order_ref or "").strip() or None,
        "invitation_id": None,
        **_fields(details),
    }
    again = _sent_just_now(now, **fields)
    if again is not None:
        return again
    complaint = Complaint(locale=locale, created_at=now, **fields)
    db.session.add(complaint)
    db.session.flush()
    customer_files.add_to_complaint(complaint, list(details.files))
    outbox.add("complaints.send_complaint_confirmation", complaint.id, family="mail")
    db.session.commit()
    outbox.flush()
    return complaint


def file_from_survey(invitation: SurveyInvitation, details: Details, now: datetime) -> Complaint:
    """Store a complaint sent from a survey link, with its photos and files: the link proves
    the address, so it is confirmed at once and linked to the invitation's customer and
    sale."""
    customer = invitation.customer
    sale = invitation.sale
    fields = {"invitation_id": invitation.id, **_fields(details)}
    again = _sent_just_now(now, **fields)
    if again is not None:
        return again
    complaint = Complaint(
        email=customer.email,
        name=customer.name,
        order_ref_given=sale.order_ref if sale else None,
        locale=customer.locale or "en",
        customer_id=customer.id,
        sale_id=sale.id if sale else None,
        created_at=now,
        confirmed_at=now,
        **fields,
    )
    db.session.add(complaint)
    db.session.flush()
    customer_files.add_to_complaint(complaint, list(details.files))
    _queue_confirmed_work(complaint.id)
    db.session.commit()
    outbox.flush()
    return complaint


def _sent_just_now(now: datetime, **fields) -> Complaint | None:
    """The same complaint, word for word, stored moments ago (then it is not stored again)."""
    same = [
        getattr(Complaint, name).is_(None) if value is None else getattr(Complaint, name) == value
        for name, value in fields.items()
    ]
    return db.session.scalar(
        sa.select(Complaint)
        .where(Complaint.created_at >= now - RESEND_WINDOW, *same)
        .order_by(Complaint.id.desc())
        .limit(1)
    )


def confirm(complaint: Complaint, now: datetime) -> bool:
    """Confirm a complaint from the public form. Returns False (and changes nothing) when it
    was confirmed already, also by a second click racing this one."""
    if complaint.confirmed_at is not None:
        return False
    sale = match_sale(complaint.order_ref_given, complaint.email)
    result = db.session.execute(
        sa.update(Complaint)
        .where(Complaint.id == complaint.id, Complaint.confirmed_at.is_(None))
        .values(
            confirmed_at=now,
            sale_id=sale.id if sale else None,
            customer_id=sale.customer_id if sale else None,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.rollback()
        return False
    _queue_confirmed_work(complaint.id)
    db.session.commit()
    db.session.expire(complaint)
    outbox.flush()
    return True


def _queue_confirmed_work(complaint_id: int) -> None:
    """In the confirming transaction: the analysis (which opens the case) and the customer's
    receipt with the status link exist exactly when the confirmation does."""
    outbox.add("triage.analyse_complaint", complaint_id, family="analysis")
    outbox.add("complaints.send_complaint_received", complaint_id, family="mail")


def match_sale(order_ref: str | None, email: str) -> Sale | None:
    """The sale with this order ref that was sold to this email address, or None.

    Both must match: an order ref alone would let anyone attach a complaint to a stranger's
    order. Refs are compared as typed and upper-cased (people type "ord-123" for "ORD-123"),
    which keeps the lookup on the unique index.
    """
    ref = (order_ref or "").strip()
    if not ref:
        return None
    return db.session.scalar(
        sa.select(Sale)
        .join(Customer, Customer.id == Sale.customer_id)
        .where(
            Sale.order_ref.in_(sorted({ref, ref.upper()})),
            sa.func.lower(Customer.email) == normalise_email(email),
        )
        .limit(1)
    )


# --- links ----------------------------------------------------------------------------------


def confirm_token(complaint: Complaint) -> str:
    return make_token("complaint-confirm", complaint.id)


def status_token(complaint: Complaint) -> str:
    return make_token("complaint-status", complaint.id)


@dataclass(frozen=True)
class TokenResult:
    complaint: Complaint | None
    state: str  # "ok", "invalid" (tampered, unknown, other purpose) or "expired"


def complaint_for_token(purpose: str, token: str) -> TokenResult:
    max_age = CONFIRM_MAX_AGE if purpose == "complaint-confirm" else STATUS_MAX_AGE
    try:
        complaint_id = read_token(purpose, token, max_age=max_age)
    except InvalidToken as exc:
        return TokenResult(None, "expired" if str(exc) == "expired" else "invalid")
    if not isinstance(complaint_id, int) or isinstance(complaint_id, bool):
        return TokenResult(None, "invalid")
    complaint = db.session.get(Complaint, complaint_id)
    return TokenResult(complaint, "ok" if complaint is not None else "invalid")


# --- the customer's status page ---------------------------------------------------------------

# What the customer sees of a case's status. A reopened case is "being looked at" again.
CUSTOMER_STAGES = {
    "open": "open",
    "reopened": "open",
    "contacted": "contacted",
    "resolved": "resolved",
    "closed": "closed",
    "waiting": "waiting",  # we asked the customer something (services/cases/waiting.py)
}


@dataclass(frozen=True)
class Status:
    complaint: Complaint | None  # None for a case opened from a survey answer
    case: Case | None
    stage: str  # awaiting_confirmation, received, open, contacted, waiting, resolved, closed
    timezone: ZoneInfo

    @property
    def contact(self) -> contact.ContactWishes:
        """How the customer asked to be reached: what the page promises follows it."""
        if self.case is not None:
            return contact.of_case(self.case)
        return contact.of_complaint(self.complaint)

    @property
    def handler_name(self) -> str | None:
        """The first name of the rep who has the case, as the customer's email gave it; None
        while nobody has it yet (triage), when the page must not name anyone."""
        rep = self.case.assigned_rep if self.case is not None else None
        return rep.first_name if rep is not None else None

    @property
    def promises_contact(self) -> bool:
        case = self.case
        return bool(
            case
            and case.first_contact_due
            and case.first_contact_at is None
            and case.is_open
            and self.contact.may_contact
        )

    @property
    def promises_resolution(self) -> bool:
        case = self.case
        return bool(
            case
            and case.resolve_due
            and case.resolved_at is None
            and case.is_open
            and case.status != "waiting"  # the date moves by the time we wait for them
        )

    @property
    def working_hours_only(self) -> bool:
        """Whether the promised times count only the team's working time (its calendar, with
        holidays): true unless the case's severity counts the clock in a team on call."""
        if self.case is None:
            return False
        calendar = calendar_for_team(calendar_team(self.case))
        return counts_business_hours(policy_for(self.case.severity), calendar)

    @property
    def complaint_files(self) -> list:
        """The photos and files sent with the complaint: their names, for the customer."""
        if self.complaint is None:
            return []
        return customer_files.files_of_complaint(self.complaint.id)

    @property
    def waiting_until(self) -> datetime | None:
        """While we wait for the customer's answer: until when, before we carry on."""
        if self.case is None or self.case.status != "waiting":
            return None
        return db.session.scalar(
            sa.select(CasePause.resume_by).where(
                CasePause.case_id == self.case.id, CasePause.ended_at.is_(None)
            )
        )


def status_of(complaint: Complaint) -> Status:
    case = joining.case_of_complaint(complaint)  # the one it opened or was added to
    if complaint.confirmed_at is None:
        stage = "awaiting_confirmation"
    elif case is None:
        stage = "received"
    else:
        stage = CUSTOMER_STAGES.get(case.status, "open")
    return Status(complaint, case, stage, customer_zone(complaint))


def status_of_case(case: Case) -> Status:
    """The status page of a case reached through its own link (services/status_links.py)."""
    customer = case.customer
    return Status(
        db.session.get(Complaint, case.complaint_id) if case.complaint_id else None,
        case,
        CUSTOMER_STAGES.get(case.status, "open"),
        zone(customer.timezone, customer.locale or "en"),
    )


def case_of(complaint: Complaint) -> Case | None:
    return joining.case_of_complaint(complaint)


def customer_zone(complaint: Complaint) -> ZoneInfo:
    """The customer's own time zone if we know it, else the usual one of their language."""
    customer = complaint.customer
    if customer is None and complaint.confirmed_at is not None:
        customer = db.session.scalar(
            sa.select(Customer).where(Customer.email == normalise_email(complaint.email))
        )
    if customer is None:
        return zone(None, complaint.locale or "en")
    return zone(customer.timezone, customer.locale or complaint.locale or "en")
