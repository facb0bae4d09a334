"""What a link that no longer works still tells us, to give the customer a way forward.

A link too old to use (its signature expired, its survey closed, its case closed long ago)
still carries a genuine signature: it names the invitation, complaint or case it was made for,
so the dead-link page can open the complaint form with the order number filled in, in the
customer's language. A tampered, unknown or other-purpose link names nothing (the page then
reveals nothing either), nor does one older than any of our links lives (NAMES_ORDER_MAX_AGE):
that old, whoever holds it is treated like someone holding a forged one.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.extensions import db
from portal.models import Case, Complaint, SurveyInvitation
from portal.services.status_links import SIGNATURE_MAX_AGE
from portal.tokens import InvalidToken, read_token

# The longest any emailed link works (a case's status link, services/status_links.py).
NAMES_ORDER_MAX_AGE = SIGNATURE_MAX_AGE


@dataclass(frozen=True)
class NamedByLink:
    order_ref: str | None = None
    locale: str | None = None


NOTHING = NamedByLink()


def named_by(purpose: str, token: str) -> NamedByLink:
    """The order and language a genuine link of `purpose` names, expired or not."""
    try:
        subject_id = read_token(purpose, token, max_age=NAMES_ORDER_MAX_AGE)
    except (InvalidToken, ValueError):
        return NOTHING
    if not isinstance(subject_id, int) or isinstance(subject_id, bool):
        return NOTHING
    if purpose in ("survey", "unsubscribe"):
        invitation = db.session.get(SurveyInvitation, subject_id)
        if invitation is None or invitation.sent_at is None:
            return NOTHING
        sale = invitation.sale
        return NamedByLink(sale.order_ref if sale else None, invitation.customer.locale)
    if purpose in ("complaint-confirm", "complaint-status"):
        complaint = db.session.get(Complaint, subject_id)
        if complaint is None:
            return NOTHING
        ref = complaint.sale.order_ref if complaint.sale else complaint.order_ref_given
        return NamedByLink(ref, complaint.locale)
    if purpose == "case-status":
        case = db.session.get(Case, subject_id)
        if case is None:
            return NOTHING
        return NamedByLink(case.sale.order_ref if case.sale else None, case.customer.locale)
    return NOTHING
