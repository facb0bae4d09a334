"""What becomes of a stored incoming message (the job `inbound.process_message`):

1. a delivery report (RFC 3464) -> services/inbound/bounces.py: hard bounces suppress the
   address, soft ones are counted;
2. an auto-reply (an out-of-office, a list's notice) -> kept, marked, nothing else;
3. mail to a case's reply address -> the customer's message on the case, through the very
   service of the status page's reply form (services/cases/messages.py `receive_from_customer`):
   stored on the timeline, the rep emailed once, shown to the customer on their status page.
   Its text without the quoted history (HTML made text), attachments within the limits.

Each message is processed once: its row is marked processed in the transaction that records
what it became, with the job's outbox "done" mark.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from portal import mail_addresses
from portal.extensions import db
from portal.models import InboundMessage
from portal.services.cases.messages import MESSAGE_MAX, receive_from_customer
from portal.services.customer_files import Limits
from portal.services.inbound import classify
from portal.services.inbound.attachments import keep_attachments
from portal.services.inbound.bounces import record_reports
from portal.services.inbound.recipients import case_for_reply_address
from portal.services.inbound.text import reply_text
from portal.text_input import single_line, without_surrogates

CUT_NOTE = "\n[The rest of this email is kept with the original message.]"


def process(inbound_id: int, now: datetime) -> str:
    """Process the message and commit; returns what became of it, in words."""
    inbound = db.session.get(InboundMessage, inbound_id)
    if inbound is None:
        db.session.commit()
        return "gone"
    if inbound.processed_at is not None:
        db.session.commit()
        return inbound.outcome or "processed before"
    message = classify.parse(inbound.raw)
    verp = next(
        filter(None, map(mail_addresses.recipient_of_bounce_address, inbound.envelope_to)), None
    )
    reply_case = next(
        filter(None, (case_for_reply_address(a, now) for a in inbound.envelope_to)), None
    )
    if classify.is_delivery_report(message):
        reports = classify.delivery_reports(message)
        _finish(inbound, "bounce", record_reports(inbound, reports, verp, now), now, reply_case)
    elif classify.is_auto_reply(message, inbound.envelope_from):
        sender = storable(classify.sender_address(message)) or "(no sender)"
        _finish(inbound, "auto_reply", f"auto-reply from {sender}: ignored", now, reply_case)
    elif verp is not None:  # a bounce in no standard form, to a recipient's VERP address
        outcome = record_reports(inbound, [], verp, now)
        _finish(inbound, "bounce", outcome, now, None)
    elif reply_case is None:
        _finish(inbound, "not_for_us", "for no case (revoked or closed since)", now, None)
    else:
        return _thread_reply(inbound, message, reply_case, now)
    db.session.commit()
    return inbound.outcome


def storable(text: str) -> str:
    """Text any database takes: no NUL (PostgreSQL refuses it in text) and no lone surrogate
    (the parser's stand-in for an undecodable byte in a header)."""
    return without_surrogates(text).replace("\x00", "")


def _finish(inbound, kind: str, outcome: str, now: datetime, case) -> None:
    inbound.kind = kind
    inbound.outcome = outcome
    inbound.case_id = case.id if case is not None else None
    inbound.processed_at = now


def _thread_reply(inbound: InboundMessage, message, case, now: datetime) -> str:
    config = current_app.config
    limits = Limits(config["INBOUND_MAX_ATTACHMENTS"], config["INBOUND_MAX_ATTACHMENT_BYTES"])
    kept = keep_attachments(message, inbound, case, limits)
    body = storable(reply_text(message))
    if len(body) > MESSAGE_MAX:
        body = body[: MESSAGE_MAX - len(CUT_NOTE)].rstrip() + CUT_NOTE
    if not body:
        body = "(An email with attachments only.)" if kept.attachments else "(An empty email.)"
    sender = storable(classify.sender_address(message))
    data = {
        "via": "email",
        "inbound_message_id": inbound.id,
        "from": sender,
        "subject": storable(single_line(str(message.get("Subject") or "")) or "")[:200],
        "attachments": [
            {"id": a.id, "filename": a.filename, "size": a.size} for a in kept.attachments
        ],
        "attachments_refused": kept.refused,
    }
    if sender and sender != case.customer.email:
        data["other_sender"] = True
    _finish(inbound, "customer_reply", f"threaded on case #{case.id}", now, case)
    receive_from_customer(case, body, now, data=data)  # commits all of it, then tells the rep
    db.session.commit()  # (the same words just sent through the form: nothing new to commit)
    return inbound.outcome
