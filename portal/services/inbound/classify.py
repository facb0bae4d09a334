"""What an incoming message is, read with the standard library's email parser:

- a **delivery report** (RFC 3464: `multipart/report; report-type=delivery-status`), one block
  per recipient with its Action and Status: "failed" with a 5.x.x status is a hard bounce, a
  4.x.x failure or a "delayed" report a soft one (`DeliveryReport.kind`);
- an **auto-reply** (RFC 3834 `Auto-Submitted`, `X-Autoreply`/`X-Autorespond`, `Precedence:
  bulk/junk/list/auto_reply`, or a null envelope sender that is not a delivery report): kept,
  never taken for the customer's words;
- anything else sent to a case's reply address is the customer's reply.
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from portal.text_input import without_surrogates

AUTO_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, _class=EmailMessage, policy=email.policy.default)


@dataclass(frozen=True)
class DeliveryReport:
    """One recipient's block of a delivery status notification."""

    address: str  # the Original-Recipient if given, else the Final-Recipient
    action: str  # failed, delayed, delivered, relayed, expanded
    status: str  # "5.1.1"
    diagnostic: str

    @property
    def kind(self) -> str | None:
        """ "hard", "soft", or None for a report of success."""
        if self.action == "failed":
            return "hard" if self.status.startswith("5") else "soft"
        if self.action == "delayed":
            return "soft"
        return None


def is_delivery_report(message: EmailMessage) -> bool:
    return (
        message.get_content_type() == "multipart/report"
        and (message.get_param("report-type") or "").lower() == "delivery-status"
    )


def _address_field(value: str | None) -> str:
    """ "rfc822; carl@example.org" -> "carl@example.org"."""
    if not value:
        return ""
    _, _, address = str(value).partition(";")
    return parseaddr(address.strip() or str(value))[1].strip().lower()


def delivery_reports(message: EmailMessage) -> list[DeliveryReport]:
    """The per-recipient blocks of a delivery report (empty when there are none to read)."""
    reports = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:  # the first block is about the message, the rest per recipient
            address = _address_field(block.get("Original-Recipient")) or _address_field(
                block.get("Final-Recipient")
            )
            action = str(block.get("Action") or "").strip().lower()
            if not address or not action:
                continue
            status = str(block.get("Status") or "").strip().split(" ")[0]
            diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
            reports.append(
                DeliveryReport(*(_storable(v) for v in (address, action, status, diagnostic[:500])))
            )
    return reports


def _storable(text: str) -> str:
    return without_surrogates(text).replace("\x00", "")


def is_auto_reply(message: EmailMessage, envelope_from: str) -> bool:
    auto_submitted = str(message.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return True
    if str(message.get("Precedence") or "").strip().lower() in AUTO_PRECEDENCE:
        return True
    return_path = str(message.get("Return-Path") or "").strip()
    return envelope_from.strip() in ("", "<>") or return_path == "<>"


def sender_address(message: EmailMessage) -> str:
    return parseaddr(str(message.get("From") or ""))[1].strip().lower()
