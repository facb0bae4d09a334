"""Jobs that email the customer about their complaint, in the customer's language.

Both are queued through the outbox in the transaction that stores (or confirms) the complaint,
and are idempotent: each claims its outbox row (committed) before the message goes out and
marks it done after (jobs/claims.py), so a second run (a retry, a second worker at the same
moment) finds it claimed or done and sends nothing.
"""

from __future__ import annotations

from flask_babel import force_locale, gettext

from portal import mail
from portal.extensions import db
from portal.jobs import claims, outbox
from portal.jobs.registry import job
from portal.models import Complaint
from portal.services import complaints
from portal.services.cases import joining
from portal.services.complaints import CONFIRM_MAX_AGE
from portal.urls import external_url


@job("complaints.send_complaint_confirmation")
def send_complaint_confirmation(complaint_id: int) -> bool:
    """Email the confirmation link to the address the complaint was filed with.

    The message holds nothing the sender typed (no name, no description, no order number):
    the address is not proven yet, and the form must not be a way to mail strangers text.
    """
    if not claims.claim("complaints.send_complaint_confirmation", complaint_id):
        db.session.rollback()
        return False
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.confirmed_at is not None:
        outbox.finish("complaints.send_complaint_confirmation", complaint_id)
        return False
    with force_locale(complaint.locale or "en"):
        link = external_url("complaints.confirm", token=complaints.confirm_token(complaint))
        message = mail.build_message(
            complaint.email,
            gettext("Confirm your complaint"),
            "complaint_confirmation",
            locale=complaint.locale or "en",
            link=link,
            days=CONFIRM_MAX_AGE // 86400,
        )
    mail.send(message)
    outbox.finish("complaints.send_complaint_confirmation", complaint_id)
    return True


@job("complaints.send_complaint_received")
def send_complaint_received(complaint_id: int) -> bool:
    """Tell the customer we have their (confirmed) complaint, with the status page link."""
    if not claims.claim("complaints.send_complaint_received", complaint_id):
        db.session.rollback()
        return False
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None or complaint.confirmed_at is None:
        outbox.finish("complaints.send_complaint_received", complaint_id)
        return False
    with force_locale(complaint.locale or "en"):
        link = external_url("complaints.status", token=complaints.status_token(complaint))
        message = mail.build_message(
            complaint.email,
            gettext("We have received your complaint"),
            "complaint_received",
            locale=complaint.locale or "en",
            complaint=complaint,
            added_to=joining.added_to_for_email(complaint),
            link=link,
        )
    mail.send(message)
    outbox.finish("complaints.send_complaint_received", complaint_id)
    return True
