"""Files attached to a customer's emailed reply: kept in the database (every process sees
them; no shared folder to set up) up to INBOUND_MAX_ATTACHMENTS files of at most
INBOUND_MAX_ATTACHMENT_BYTES each; the others are named on the case's timeline as refused, so
the rep can ask for them another way. The raw message keeps them all."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage

from portal.extensions import db
from portal.models import Case, InboundAttachment, InboundMessage
from portal.services.customer_files import Limits, safe_filename


@dataclass
class Kept:
    attachments: list[InboundAttachment]
    refused: list[dict]  # {"filename", "reason"}


def megabytes(size: int) -> str:
    """In decimal megabytes, as the timeline shows file sizes (Jinja's filesizeformat)."""
    return f"{size / 1_000_000:.1f} MB"


def keep_attachments(
    message: EmailMessage, inbound: InboundMessage, case: Case, limits: Limits
) -> Kept:
    """Add the attachments within the limits to the session (not committed)."""
    kept = Kept([], [])
    for index, part in enumerate(message.iter_attachments(), start=1):
        filename = safe_filename(part.get_filename(), index)
        data = part.get_payload(decode=True)
        if data is None:  # an attached message (message/rfc822): its bytes as sent
            data = part.as_bytes()
        if len(data) > limits.size:
            reason = f"{megabytes(len(data))}, over the limit of {megabytes(limits.size)}"
            kept.refused.append({"filename": filename, "reason": reason})
            continue
        if len(kept.attachments) >= limits.count:
            reason = f"more than {limits.count} files in one email"
            kept.refused.append({"filename": filename, "reason": reason})
            continue
        attachment = InboundAttachment(
            inbound_message_id=inbound.id,
            case_id=case.id,
            filename=filename,
            content_type=part.get_content_type()[:100],
            size=len(data),
            data=data,
        )
        db.session.add(attachment)
        kept.attachments.append(attachment)
    db.session.flush()
    return kept


def attachment_of(case: Case, attachment_id: int) -> InboundAttachment | None:
    """An attachment of this case (the caller has checked the case is theirs to see)."""
    attachment = db.session.get(InboundAttachment, attachment_id)
    return attachment if attachment is not None and attachment.case_id == case.id else None
