"""Messages between the rep and the customer of a case, by email and the case's status page.

- A rep writes from the case: `send_to_customer` records the message on the case's timeline
  (kind "message_to_customer") and, in the same transaction, the outbox job that emails it to
  the customer in their language with the case's status link, where they can read and answer.
  It runs inside the caller's transaction (services/cases/work.py `email_customer`, which also
  counts the email as a contact): the caller commits, then calls `outbox.flush()`.
- The customer answers on the status page: `receive_from_customer` commits their words first
  (kind "customer_message", actor "customer"), with the outbox job that emails the assigned
  rep (once, however often the job runs).

Store, commit, then enqueue: nothing is emailed about a message that was not committed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, User
from portal.services import customer_files
from portal.services.cases.cover import settle_cover
from portal.services.rules import RuleError

MESSAGE_MAX = 5000
# The same words on the same case within this time are one message sent twice.
RESEND_WINDOW = timedelta(minutes=10)
TO_CUSTOMER = "message_to_customer"
FROM_CUSTOMER = "customer_message"
CONVERSATION_KINDS = (TO_CUSTOMER, FROM_CUSTOMER)


def clean_body(body: str | None) -> str:
    """The message as it will be stored, or RuleError naming what to fix.

    (Customer-facing pages check the same limits in their own translated form first.)
    """
    text = (body or "").strip().replace("\r\n", "\n")
    if not text:
        raise RuleError("Write a message before sending.")
    if len(text) > MESSAGE_MAX:
        raise RuleError(
            f"The message is {len(text)} characters long; please keep it under {MESSAGE_MAX}."
        )
    return text


def send_to_customer(case: Case, actor: User, body: str, now: datetime) -> CaseEvent:
    """Record the rep's message on the case and queue its email to the customer (flushed, not
    committed: the caller commits, then `outbox.flush()` sends it on its way)."""
    text = clean_body(body)
    event = CaseEvent(
        case_id=case.id,
        actor_kind="staff",
        actor_id=actor.id,
        kind=TO_CUSTOMER,
        message=text,
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    outbox.add("customer_mail.send_message_to_customer", event.id, family="mail")
    return event


def receive_from_customer(
    case: Case,
    body: str,
    now: datetime,
    data: dict | None = None,
    files: list[customer_files.CleanFile] | None = None,
) -> CaseEvent:
    """Store the customer's answer on the case (committed first, with the photos and files
    sent with it from the status page), then email the rep.
    `data`: how it came, for an emailed reply (services/inbound/processing.py)."""
    text = clean_body(body)
    again = _sent_just_now(case, text, now)
    if again is not None:  # a double click, or a reload that posts again: one message
        return again
    if files:
        kept = customer_files.add_to_case(case, files)
        data = {**(data or {}), "via": "status_page", "attachments": customer_files.described(kept)}
    event = CaseEvent(
        case_id=case.id,
        actor_kind="customer",
        kind=FROM_CUSTOMER,
        message=text,
        data=data,
        created_at=now,
    )
    db.session.add(event)
    db.session.flush()
    outbox.add("customer_mail.notify_rep_of_customer_message", event.id, family="mail")
    db.session.commit()  # the customer's words first
    _cover_before_telling(case, now)
    outbox.flush()
    return event


def _cover_before_telling(case: Case, now: datetime) -> None:
    """An away rep's case goes to the stand-in before the email about the reply is sent
    (and comes back to a returned rep). A concurrent change of the case wins: the periodic
    sweep (services/cases/cover.py) moves it then."""
    try:
        settle_cover(case, now)
        db.session.commit()
    except StaleDataError:
        db.session.rollback()


def _sent_just_now(case: Case, text: str, now: datetime) -> CaseEvent | None:
    return db.session.scalar(
        sa.select(CaseEvent)
        .where(
            CaseEvent.case_id == case.id,
            CaseEvent.kind == FROM_CUSTOMER,
            CaseEvent.created_at >= now - RESEND_WINDOW,
            CaseEvent.message == text,
        )
        .limit(1)
    )


def conversation(case: Case) -> list[CaseEvent]:
    """The messages both ways, oldest first: what the customer sees on their status page."""
    return list(
        db.session.scalars(
            sa.select(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind.in_(CONVERSATION_KINDS))
            .order_by(CaseEvent.created_at, CaseEvent.id)
        )
    )
