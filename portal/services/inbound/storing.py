"""Stored first: the receiver commits each accepted message, raw, with the outbox row of its
processing, before it answers "250". If the database cannot take it the sender is told to try
again later (451), so a message is either stored or still the sender's to deliver: never lost.
Processing (services/inbound/processing.py) runs as the job `inbound.process_message`; when it
fails, RQ retries it and then lists it on the admin failed-work page, the message still here."""

from __future__ import annotations

from datetime import datetime

from portal.extensions import db
from portal.jobs import outbox
from portal.models import InboundMessage

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
    outbox.flush()
    return message.id
