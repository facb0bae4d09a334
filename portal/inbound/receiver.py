"""The SMTP receiver (aiosmtpd), run as its own process by `flask portal inbound-smtp`.

- RCPT TO: a case's genuine reply address or the bounce address is taken; anything else gets
  one generic "550 5.1.1", the same for a well-signed address of a case that does not exist
  (or whose address was revoked, or whose link expired) as for a forged one or a stranger's
  domain: the answer tells nobody whether a case exists. Nothing is relayed.
- DATA: the message is stored raw, with its processing job, and committed before the "250"
  (services/inbound/storing.py). If the database cannot take it, "451": the sending server
  keeps it and tries again later.

aiosmtpd runs an asyncio loop in a thread of its own; each database step runs in a worker
thread with an app context of its own (its own session), so a slow query never stalls the
loop. Messages over INBOUND_MAX_MESSAGE_BYTES are refused by aiosmtpd ("552") before storing.
"""

from __future__ import annotations

import asyncio
import logging
import socket

from aiosmtpd.controller import Controller
from flask import Flask

from portal.models import utcnow
from portal.services.inbound import recipients, storing

log = logging.getLogger(__name__)

REFUSED = "550 5.1.1 No such recipient here"
TRY_LATER = "451 4.3.0 The message could not be stored now; please try again later"


class InboundHandler:
    def __init__(self, app: Flask):
        self.app = app

    def _accepts(self, address: str) -> bool:
        with self.app.app_context():
            return recipients.accepts(address, utcnow())

    def _store(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> int:
        with self.app.app_context():
            return storing.store(mail_from, rcpt_tos, raw, utcnow())

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        loop = asyncio.get_running_loop()
        try:
            accepted = await loop.run_in_executor(None, self._accepts, address)
        except Exception:
            log.exception("inbound: could not check recipient %r", address)
            return TRY_LATER
        if not accepted:
            return REFUSED
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        loop = asyncio.get_running_loop()
        raw = envelope.original_content or envelope.content
        try:
            inbound_id = await loop.run_in_executor(
                None, self._store, envelope.mail_from or "", list(envelope.rcpt_tos), raw
            )
        except Exception:
            log.exception("inbound: could not store a message from %r", envelope.mail_from)
            return TRY_LATER
        log.info("inbound: stored message %s from %r", inbound_id, envelope.mail_from)
        return "250 2.0.0 Message accepted"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def controller(app: Flask, host: str, port: int) -> Controller:
    """The receiver, not started: `start()` serves in a background thread, `stop()` ends it."""
    return Controller(
        InboundHandler(app),
        hostname=host,
        port=port,
        data_size_limit=app.config["INBOUND_MAX_MESSAGE_BYTES"],
        enable_SMTPUTF8=True,
        ident="Aftersale inbound",
    )
