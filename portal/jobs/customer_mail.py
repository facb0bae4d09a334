"""Jobs of the conversation between a case's rep and its customer, and of the follow-up answer.

- `send_case_opened_to_customer`: when the analysis opens a case from a negative survey answer,
  the customer is told, in their language: sorry to hear it, who will contact them and by when
  (in their time zone), and the case's status link to follow it and write back.
- `send_added_to_case_to_customer`: a negative survey answer about an order whose case is
  still open was added to that case (services/cases/joining.py): the customer is told so, with
  the case number and its status link, instead of "we have opened a case".
- `send_message_to_customer`: the rep's message, to the customer, in their language, with the
  case's status link.
- `notify_rep_of_customer_message`: the customer's answer, to the assigned rep (or, for a case
  in the triage queue, to the managers who can assign it).
- `notify_rep_of_followup`: the "did this fix it?" answer reopened the case (jobs/followup.py
  applies the answer): the rep is told.

Each is queued through the outbox in the transaction that stores what it is about. A mail job
claims its own outbox row (committed) before the message goes out and marks it done after
(jobs/claims.py), so a second run (a retry, a second worker at the same moment) finds it
claimed or done and sends nothing.

Who gets the "we've opened a case" email: also a customer who unsubscribed. Unsubscribing stops
surveys (we stop asking); this is the answer to a complaint they just made, service mail about
their own case, like the rep's messages and the complaint form's receipt, which go to them too.
Never to an address that bounces (a message there reaches nobody and hurts our sending
reputation), checked when the mail goes out. Nor once a rep has already contacted the customer
or the case is no longer open: then "someone will contact you" would be stale news.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale, gettext

from portal import mail, mail_addresses
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import Case, CaseEvent, SurveyResponse, User, utcnow
from portal.services import scope
from portal.services import status_links as case_links
from portal.services.cases import contact, joining
from portal.services.cases.messages import FROM_CUSTOMER, TO_CUSTOMER
from portal.services.surveys.schedule import zone
from portal.urls import external_url


def _email_customer(case: Case, subject, template: str, **context) -> None:
    """Send the case's customer `template` in their language: `subject()` is translated in
    it; replies go to the case's reply address, and the case's status link is in it."""
    customer = case.customer
    locale = customer.locale or "en"
    with force_locale(locale):
        message = mail.build_message(
            customer.email,
            subject(),
            template,
            headers=mail_addresses.reply_headers(case.id),
            locale=locale,
            customer=customer,
            case=case,
            link=case_links.status_url(case),
            **context,
        )
    mail.send(message)


@job("customer_mail.send_case_opened_to_customer")
def send_case_opened_to_customer(case_id: int) -> bool:
    """Tell the customer we opened a case from their survey answer (once). Returns False when
    there was nothing to send (see the module docstring for who gets none)."""
    if not claims.claim("customer_mail.send_case_opened_to_customer", case_id):
        db.session.rollback()
        return False
    case = db.session.get(Case, case_id)
    if (
        case is None
        or not case.is_open
        or case.first_contact_at is not None
        or case.customer.bounced_at is not None
    ):
        outbox.finish("customer_mail.send_case_opened_to_customer", case_id)
        return False
    rep = case.assigned_rep
    _email_customer(
        case,
        lambda: gettext("We have opened a case about your feedback (%(ref)s)", ref=f"#{case.id}"),
        "case_opened_for_customer",
        rep_name=rep.first_name if rep else None,
        due=case.first_contact_due,
        may_contact=contact.of_case(case).may_contact,
        tz=zone(case.customer.timezone, case.customer.locale or "en"),
    )
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind="customer_told_case_opened",
            message="The customer was emailed that a case was opened, with its status link.",
            created_at=utcnow(),
        )
    )
    outbox.finish("customer_mail.send_case_opened_to_customer", case_id)
    return True


@job("customer_mail.send_added_to_case_to_customer")
def send_added_to_case_to_customer(response_id: int) -> bool:
    """Tell the customer their negative survey answer was added to the open case of the same
    order (services/cases/joining.py), not made into a new case: "we added this to your open
    case #N", with that case's status link. Once; never to an address that bounces."""
    if not claims.claim("customer_mail.send_added_to_case_to_customer", response_id):
        db.session.rollback()
        return False
    response = db.session.get(SurveyResponse, response_id)
    case = db.session.get(Case, response.added_to_case_id) if response else None
    if case is None or not case.is_open or case.customer.bounced_at is not None:
        outbox.finish("customer_mail.send_added_to_case_to_customer", response_id)
        return False
    _email_customer(
        case,
        lambda: gettext("We have added your answer to your open case %(ref)s", ref=f"#{case.id}"),
        "added_to_case_for_customer",
    )
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind="customer_told_added",
            message="The customer was emailed that their survey answer was added to this"
            " case, with its status link.",
            created_at=utcnow(),
        )
    )
    outbox.finish("customer_mail.send_added_to_case_to_customer", response_id)
    return True


@job("customer_mail.send_message_to_customer")
def send_message_to_customer(event_id: int) -> bool:
    """Email the rep's message to the customer. Returns False when there was nothing to send."""
    if not claims.claim("customer_mail.send_message_to_customer", event_id):
        db.session.rollback()
        return False
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind != TO_CUSTOMER:
        outbox.finish("customer_mail.send_message_to_customer", event_id)
        return False
    case = event.case
    _email_customer(
        case,
        lambda: gettext("A message about your case %(ref)s", ref=f"#{case.id}"),
        "complaint_case_message",
        rep_name=event.actor.name if event.actor else None,
        body=event.message,
    )
    event.data = {**(event.data or {}), "emailed_at": utcnow().isoformat()}
    outbox.finish("customer_mail.send_message_to_customer", event_id)
    return True


@job("customer_mail.notify_rep_of_customer_message")
def notify_rep_of_customer_message(event_id: int) -> bool:
    """Email the assigned rep that the customer wrote on their case. A case in the triage
    queue has no rep: then the managers who can assign it are told (see `triage_recipients`),
    so the customer's words never wait unseen."""
    if not claims.claim("customer_mail.notify_rep_of_customer_message", event_id):
        db.session.rollback()
        return False
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind != FROM_CUSTOMER:
        outbox.finish("customer_mail.notify_rep_of_customer_message", event_id)
        return False
    case = event.case
    readers = [case.assigned_rep] if case.assigned_rep is not None else triage_recipients(case)
    if not readers:
        outbox.finish("customer_mail.notify_rep_of_customer_message", event_id)
        return False
    unassigned = case.assigned_rep is None
    source = joining.was_added(event)  # a survey answer or complaint added to the case
    subject = f"Case #{case.id}: {case.customer.name} " + (
        f"wrote again ({source})" if source else "wrote back"
    )
    messages = [
        mail.build_message(
            reader.email,
            f"{subject} (no rep assigned)" if unassigned else subject,
            "case_customer_message",
            case=case,
            rep=reader,
            unassigned=unassigned,
            body=event.message,
            source=source,
            files=len((event.data or {}).get("attachments") or ()),
            link=external_url("cases.show", case_id=case.id),
        )
        for reader in readers
    ]
    mail.send(messages)
    key = "managers_emailed_at" if unassigned else "rep_emailed_at"
    event.data = {**(event.data or {}), key: utcnow().isoformat()}
    outbox.finish("customer_mail.notify_rep_of_customer_message", event_id)
    return True


def triage_recipients(case: Case) -> list[User]:
    """Who to tell about a case with no rep: the managers who may see it (services/scope.py)
    and are here to assign it. The lead of the sale's team when they are among them, else all
    of them; admins only when no manager is available."""
    now = utcnow()
    staff = db.session.scalars(
        sa.select(User)
        .where(User.active.is_(True), User.role.in_(("manager", "admin")))
        .order_by(User.id)
    )
    able = [
        user
        for user in staff
        if not user.is_away(now)
        and db.session.scalar(
            scope.visible_cases_query(user).with_only_columns(Case.id).where(Case.id == case.id)
        )
        is not None
    ]
    managers = [user for user in able if user.is_manager]
    team = case.sale.rep.team if case.sale and case.sale.rep else None
    leads = [user for user in managers if team is not None and team.lead_id == user.id]
    return leads or managers or [user for user in able if user.is_admin]


@job("customer_mail.notify_rep_of_followup")
def notify_rep_of_followup(event_id: int) -> bool:
    """Email the assigned rep that the customer said the fix did not work: their case is
    reopened and back in their queue."""
    if not claims.claim("customer_mail.notify_rep_of_followup", event_id):
        db.session.rollback()
        return False
    event = db.session.get(CaseEvent, event_id)
    if event is None or event.kind != "followup_answered" or event.case.assigned_rep is None:
        outbox.finish("customer_mail.notify_rep_of_followup", event_id)
        return False
    case = event.case
    rep = case.assigned_rep
    message = mail.build_message(
        rep.email,
        f"Case #{case.id} reopened: {case.customer.name} says it is not resolved",
        "case_reopened_by_customer",
        case=case,
        rep=rep,
        answer=event.data or {},
        comment=_comment_of(event),
        link=external_url("cases.show", case_id=case.id),
    )
    mail.send(message)
    event.data = {**(event.data or {}), "rep_emailed_at": utcnow().isoformat()}
    outbox.finish("customer_mail.notify_rep_of_followup", event_id)
    return True


def _comment_of(event: CaseEvent) -> str | None:
    response = db.session.get(SurveyResponse, (event.data or {}).get("response_id") or 0)
    return response.comment if response else None


# Compatibility: RQ jobs queued before these two moved to jobs/followup.py name this module's
# import path; RQ imports them from here. Keep until no such job can be waiting (their retry
# intervals end within a few hours of a deploy); a test checks an old-path job still runs.
from portal.jobs.followup import (  # noqa: E402, F401
    apply_followup_answer,
    close_unanswered_followups,
)
