"""Delivery reports about our own mail. A hard bounce (the address will never work), reported
to the bounce address signed for that recipient (`vouched_for`), stops all mail to it, as an
immediate 5xx refusal does when a survey is sent (services/surveys/sending.py): the customer's
`bounced_at` is set, so no survey, reminder or "case opened" email goes there again, and the
rep of each of their open cases sees it on the timeline (time to phone). A soft bounce (a full
mailbox, a delay) is counted per address (`soft_bounce_count`); an address whose deliveries
failed (4.x.x "failed", not "delayed") on SOFT_FAILURE_DAYS different days within
SOFT_FAILURE_WINDOW is suppressed as a hard bounce would (a mailbox full for weeks is
abandoned), with the same trust rule."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal import mail_addresses
from portal.extensions import db
from portal.models import Case, CaseEvent, Customer, InboundMessage, MailBounce
from portal.models.case import OPEN_STATUSES
from portal.services.addresses import normalise_email
from portal.services.inbound.classify import DeliveryReport

SOFT_FAILURE_DAYS = 3
SOFT_FAILURE_WINDOW = timedelta(days=30)


def record_reports(
    inbound: InboundMessage,
    reports: list[DeliveryReport],
    verp_recipient: str | None,
    now: datetime,
) -> str:
    """Record each failure of the report (not committed); returns what happened, in words.

    The recipient signed into the VERP bounce address is trusted over the report's own
    Final-Recipient (a forwarding server may name the address it forwarded to); a report
    with no block to read still counts, as soft, against that recipient."""
    failures = [r for r in reports if r.kind is not None]
    if verp_recipient and len(failures) <= 1:
        block = failures[0] if failures else None
        failures = [
            DeliveryReport(
                verp_recipient,
                block.action if block else "unknown",
                block.status if block else "",
                block.diagnostic if block else "a delivery report without a status to read",
            )
        ]
    if not failures:
        return "delivery report: nothing failed"
    outcomes = []
    for report in failures:
        kind = report.kind or "soft"
        address = normalise_email(report.address)
        if _recorded(inbound.id, address):
            continue
        db.session.add(
            MailBounce(
                inbound_message_id=inbound.id,
                address=address,
                kind=kind,
                status=report.status[:16],
                action=report.action[:20],
                diagnostic=report.diagnostic[:500],
                created_at=now,
            )
        )
        if kind == "hard" and not vouched_for(address, verp_recipient):
            outcomes.append(
                f"hard bounce {report.status} for {address}: not suppressed (the report did "
                "not come to the bounce address signed for this recipient)"
            )
        elif kind == "hard":
            suppressed = suppress(address, report, now)
            outcomes.append(f"hard bounce {report.status} for {address}: {suppressed}")
        elif report.action == "failed" and vouched_for(address, verp_recipient):
            outcomes.append(_soft_failure(address, report, now))
        else:
            outcomes.append(f"soft bounce {report.status or '(no status)'} for {address}")
    return "; ".join(outcomes) or "delivery report: recorded before"


def _soft_failure(address: str, report: DeliveryReport, now: datetime) -> str:
    said = f"soft bounce {report.status or '(no status)'} for {address}"
    failed_on = db.session.scalars(
        sa.select(MailBounce.created_at).where(
            MailBounce.address == address,
            MailBounce.kind == "soft",
            MailBounce.action == "failed",
            MailBounce.created_at > now - SOFT_FAILURE_WINDOW,
        )
    ).all()
    days = len({moment.date() for moment in failed_on})
    if days < SOFT_FAILURE_DAYS:
        return said
    window = SOFT_FAILURE_WINDOW.days
    return f"{said}, failed on {days} days in {window} days: {suppress(address, report, now)}"


def vouched_for(address: str, verp_recipient: str | None) -> bool:
    """Is the report about `address` genuine enough to stop mail to it? Only when it came to
    the VERP bounce address signed for that very recipient, or, for a recipient whose VERP
    address would be too long, to the plain bounce address we then sent from. Anyone can send
    the receiver a report; without this, anyone could silence any customer's email."""
    if verp_recipient is not None:
        return address == verp_recipient
    bounce = mail_addresses.envelope_sender(address)
    return bounce is not None and mail_addresses.recipient_of_bounce_address(bounce) is None


def _recorded(inbound_id: int, address: str) -> bool:
    return (
        db.session.scalar(
            sa.select(MailBounce.id).where(
                MailBounce.inbound_message_id == inbound_id, MailBounce.address == address
            )
        )
        is not None
    )


def suppress(address: str, report: DeliveryReport, now: datetime) -> str:
    customer = db.session.scalar(sa.select(Customer).where(Customer.email == address))
    if customer is None:
        return "no customer has this address"
    if customer.bounced_at is not None:
        return "already marked bounced"
    customer.bounced_at = now
    open_cases = db.session.scalars(
        sa.select(Case).where(Case.customer_id == customer.id, Case.status.in_(OPEN_STATUSES))
    )
    for case in open_cases:
        db.session.add(
            CaseEvent(
                case_id=case.id,
                actor_kind="system",
                kind="customer_email_bounced",
                message=(
                    f"Email to {address} bounced ({report.status}): no more email goes to this "
                    "address. Contact the customer another way."
                ),
                data={"status": report.status, "diagnostic": report.diagnostic},
                created_at=now,
            )
        )
    return "address suppressed"


def soft_bounce_count(address: str) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MailBounce)
        .where(MailBounce.address == normalise_email(address), MailBounce.kind == "soft")
    )
