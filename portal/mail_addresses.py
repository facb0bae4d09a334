"""The two addresses the portal signs into outgoing mail, so that what comes back can be
trusted without a lookup table (README, "Inbound mail"):

- a case's **reply address**, `case+<id>-<signature>@INBOUND_REPLY_DOMAIN`, the Reply-To of
  every email the customer gets about their case: their answer lands on the case. It does not
  expire (a customer may answer a months-old email); a case's address is revoked per case
  (services/inbound/recipients.py keeps the revocations) and stops working with its status
  link, LINK_DAYS_AFTER_CLOSE days after the case closed.
- the **envelope sender** (Return-Path) of every email, VERP style:
  `bounces+<signature>.<local>=<domain>@...` for BOUNCE_ADDRESS `bounces@...`, so a delivery
  report names the address that failed even when its body cannot be read.

The signatures are HMAC-SHA256 with a key derived by itsdangerous from SECRET_KEY and a salt of
their own, written in lower-case base32: some relays lower-case the local part, and base64's
upper and lower case letters would not survive them.

Without INBOUND_REPLY_DOMAIN there is no Reply-To; without BOUNCE_ADDRESS the envelope sender is
MAIL_FROM's address, as before.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from email.utils import parseaddr

from flask import current_app
from itsdangerous import Signer

REPLY_LOCAL = "case"
SIGNATURE_CHARS = 16  # 80 bits
# RFC 5321: a local part is at most 64 octets. A longer VERP address falls back to the plain one.
MAX_LOCAL_PART = 64
_REPLY = re.compile(rf"{REPLY_LOCAL}\+([0-9]{{1,12}})-([a-z2-7]{{{SIGNATURE_CHARS}}})")
_PLAIN_LOCAL = re.compile(r"[a-z0-9!#$%&'*/=?^_`{|}~.+-]+")


def _signature(purpose: str, text: str) -> str:
    key = Signer(current_app.config["SECRET_KEY"], salt=f"aftersale:{purpose}").derive_key()
    digest = hmac.new(key, text.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:SIGNATURE_CHARS]


def _matches(purpose: str, text: str, signature: str) -> bool:
    return hmac.compare_digest(_signature(purpose, text), signature.lower())


# --- the case's reply address ---------------------------------------------------------------


def reply_address(case_id: int) -> str | None:
    domain = current_app.config.get("INBOUND_REPLY_DOMAIN")
    if not domain:
        return None
    return f"{REPLY_LOCAL}+{case_id}-{_signature('case-reply', str(case_id))}@{domain}"


def reply_headers(case_id: int) -> dict[str, str]:
    """The headers that make a customer's "Reply" reach their case: merge into the `headers`
    of `mail.build_message` for every email to the customer about a case. Empty (today's
    behaviour) without INBOUND_REPLY_DOMAIN."""
    address = reply_address(case_id)
    return {"Reply-To": address} if address else {}


def case_of_reply_address(address: str) -> int | None:
    """The case id a genuine reply address names; None for anything else (the caller still
    checks the case exists, is not revoked and its link still works)."""
    domain = current_app.config.get("INBOUND_REPLY_DOMAIN")
    local, _, at_domain = address.strip().lower().rpartition("@")
    if not domain or at_domain != domain:
        return None
    match = _REPLY.fullmatch(local)
    if match is None or not _matches("case-reply", match.group(1), match.group(2)):
        return None
    return int(match.group(1))


# --- the envelope sender (VERP) -------------------------------------------------------------


def envelope_sender(recipient: str) -> str | None:
    """The MAIL FROM for a message to `recipient`: BOUNCE_ADDRESS with the recipient signed
    into it, or BOUNCE_ADDRESS itself when that would be too long; None without one (smtplib
    then takes the From address)."""
    bounce = current_app.config.get("BOUNCE_ADDRESS")
    if not bounce:
        return None
    bounce_local, _, bounce_domain = bounce.rpartition("@")
    rcpt = parseaddr(recipient)[1].strip().lower()
    rcpt_local, at, rcpt_domain = rcpt.rpartition("@")
    if not at or not _PLAIN_LOCAL.fullmatch(rcpt_local) or "=" in rcpt_local:
        return bounce
    local = f"{bounce_local}+{_signature('verp', rcpt)}.{rcpt_local}={rcpt_domain}"
    return f"{local}@{bounce_domain}" if len(local) <= MAX_LOCAL_PART else bounce


def is_bounce_address(address: str) -> bool:
    """BOUNCE_ADDRESS itself, or a genuine VERP form of it."""
    return address.strip().lower() == (current_app.config.get("BOUNCE_ADDRESS") or "\0") or (
        recipient_of_bounce_address(address) is not None
    )


def recipient_of_bounce_address(address: str) -> str | None:
    """The recipient signed into a VERP bounce address; None for the plain address, a forged
    signature or any other address."""
    bounce = current_app.config.get("BOUNCE_ADDRESS")
    if not bounce:
        return None
    bounce_local, _, bounce_domain = bounce.rpartition("@")
    local, _, domain = address.strip().lower().rpartition("@")
    prefix = f"{bounce_local}+"
    if domain != bounce_domain or not local.startswith(prefix):
        return None
    signature, dot, encoded = local[len(prefix) :].partition(".")
    rcpt_local, equals, rcpt_domain = encoded.rpartition("=")
    if not dot or not equals or not rcpt_local or not rcpt_domain:
        return None
    rcpt = f"{rcpt_local}@{rcpt_domain}"
    return rcpt if _matches("verp", rcpt, signature) else None
