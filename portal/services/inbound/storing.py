"""Stored first: the receiver commits each accepted message, raw, with the outbox row of its
processing, before it answers "250". If the database cannot take it the sender is told to try
again later (451), so a message is either stored or still the sender's to deliver: never lost.
Processing (services/inbound/processing.py) runs as the job `inbound.process_message`; when it
fails, RQ retries it and then lists it on the admin failed-work page, the message still here."""

from __future__ import annotations

import logging
from datetime import datetime

from portal.extensions import db
from portal.jobs import outbox
from portal.models import InboundMessage

log = logging.getLogger(__name__)
PROCESS = "inbound.process_message"


def store(envelope_from: str, envelope_to: list[str], raw: bytes, now: datetime) -> int:
    message = InboundMessage(
        received_at=now,
        envelope_from=(envelope_from or "")[:320],
        envelope_to=[address[:320] for address in envelope_to],
        raw=raw,
        size=len(raw),
    )
    db.session.add(message)
    db.session.flush()
    outbox.add(PROCESS, message.id, family="analysis")
    db.session.commit()
    try:
        outbox.flush()
    except Exception:
        # Stored is stored: the sender gets its "250" (a refusal now would make it send the
        # message again). Inline (no Redis) a failing job can raise here; its outbox row waits
        # for the periodic sweep, and the failure is on the admin failed-work page.
        log.exception("inbound: message %s stored; its processing failed or waits", message.id)
    return message.id
