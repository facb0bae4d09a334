"""Whom the receiver takes mail for: a genuine reply address of a case that exists, whose
address was not revoked and whose status link still works (services/status_links.py), and the
bounce address (plain or VERP). Anything else gets the same refusal, so the answer never tells
a well-signed address of a missing case from a forged one (portal/inbound/receiver.py)."""

from __future__ import annotations

from datetime import datetime

from portal import mail_addresses
from portal.extensions import db
from portal.models import Case, ReplyAddressRevocation
from portal.services.status_links import link_expires_at


def case_for_reply_address(address: str, now: datetime) -> Case | None:
    case_id = mail_addresses.case_of_reply_address(address)
    if case_id is None:
        return None
    case = db.session.get(Case, case_id)
    if case is None or db.session.get(ReplyAddressRevocation, case_id) is not None:
        return None
    expires = link_expires_at(case)
    if expires is not None and expires <= now:
        return None
    return case


def accepts(address: str, now: datetime) -> bool:
    """May the receiver take a message for `address` (RCPT TO)?"""
    if mail_addresses.is_bounce_address(address):
        return True
    return case_for_reply_address(address, now) is not None


def revoke(case: Case, now: datetime) -> bool:
    """Stop the case's reply address taking mail (committed). False if it was revoked already."""
    if db.session.get(ReplyAddressRevocation, case.id) is not None:
        return False
    db.session.add(ReplyAddressRevocation(case_id=case.id, revoked_at=now))
    db.session.commit()
    return True
