"""Outgoing email: through SMTP when a server is configured, else as .eml files on disk.

Bodies come in pairs, `templates/email/NAME.txt` and `NAME.html`, rendered with the same
context. Every link in a message is built from PORTAL_BASE_URL (see `portal.urls`), never from
the Host header of whatever request happened to trigger the mail.
"""

from __future__ import annotations

import functools
import logging
import re
import smtplib
import ssl
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from email import charset as _charsets
from email import message_from_bytes
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from portal import mail_addresses
from portal.models.base import utcnow
from portal.services.organisation import customer_reply_to, organisation
from portal.text_input import single_line, without_surrogates

log = logging.getLogger(__name__)
LINK = re.compile(r"https?://\S+")


def build_message(
    to: str,
    subject: str,
    template: str,
    headers: dict[str, str] | None = None,
    **context,
) -> EmailMessage:
    """A message with a text and an HTML body. Whatever a customer or a sales system typed
    (a name with a line break, a lone surrogate) never stops it: header values are put on one
    line and every text is made encodable, so the rep is told whatever the name holds."""
    msg = EmailMessage()
    msg["Subject"] = header_value(subject)
    sender, headers = _sender(headers, context)
    msg["From"] = header_value(sender)
    msg["To"] = to
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain="aftersale")
    for name, value in headers.items():
        msg[name] = header_value(value)
    # In its reader's language: a customer's when `locale` is given, else English (staff
    # emails), whatever language the request or job that sends it happens to be in.
    with force_locale(context.get("locale") or "en"):
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    msg.set_content(without_surrogates(text))
    msg.add_alternative(without_surrogates(html), subtype="html")
    return msg


def header_value(value: str) -> str:
    return without_surrogates(single_line(str(value)))


UTF8 = _charsets.Charset("utf-8")  # bodies in base64: encoded in C, any text, any line length


def _sender(headers: dict[str, str] | None, context: dict) -> tuple[str, dict[str, str]]:
    """The From of a message and its other headers; sets context["reply_to"] (the templates
    say whether replies are read). A customer's email (it has their `locale`) comes from the
    company they bought from, with its reply-to; staff emails from the portal (MAIL_FROM). A
    case's own reply address (inbound mail, portal/mail_addresses.py) wins over the company's
    reply-to: the customer's answer then lands on their case."""
    org = organisation()
    headers = dict(headers or {})
    case_reply_to = headers.pop("Reply-To", None)
    if case_reply_to:
        context["reply_to"] = case_reply_to
    context.setdefault("reply_to", customer_reply_to(org) if context.get("locale") else "")
    if context["reply_to"]:
        headers["Reply-To"] = context["reply_to"]
    sender = org.from_header if context.get("locale") else current_app.config["MAIL_DEFAULT_SENDER"]
    return sender, headers


def build_bulk_message(
    to: str,
    subject: str,
    template: str,
    headers: dict[str, str] | None = None,
    **context,
) -> Message:
    """`build_message` for mass mailings (survey invitations): the same headers and bodies,
    built with the email package's compat32 classes, about five times faster to build and to
    serialise than EmailMessage (bench/dispatch_surveys.py). The result is only sent."""
    msg = MIMEMultipart("alternative")
    msg["Subject"] = bulk_header(header_value(subject))
    sender, headers = _sender(headers, context)
    msg["From"] = bulk_address(header_value(sender))
    msg["To"] = bulk_address(to)
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain="aftersale")
    for name, value in headers.items():
        msg[name] = bulk_header(header_value(value))
    with force_locale(context.get("locale") or "en"):
        text = render_template(f"email/{template}.txt", **context)
        html = render_template(f"email/{template}.html", **context)
    msg.attach(MIMEText(without_surrogates(text), "plain", UTF8))
    msg.attach(MIMEText(without_surrogates(html), "html", UTF8))
    return msg


def bulk_header(value: str) -> str | Header:
    return value if value.isascii() else Header(value, UTF8)


def bulk_address(value: str) -> str:
    if value.isascii():
        return value
    name, address = parseaddr(value)
    return formataddr((header_value(name), address), charset=UTF8)


def send(messages: Message | Iterable[Message]) -> None:
    """Send one message or a batch over a single connection. Raises on the first failure."""
    batch = [messages] if isinstance(messages, Message) else list(messages)
    if not batch:
        return
    with connect() as sender:
        for msg in batch:
            sender.send(msg)


class SmtpSender:
    """One SMTP connection; `send` raises smtplib's errors for the caller to classify."""

    def __init__(self, smtp: smtplib.SMTP):
        self.smtp = smtp

    def send(self, msg: Message) -> None:  # None: no file to point at
        self.smtp.send_message(msg, from_addr=envelope_of(msg["To"]))

    def send_bytes(self, envelope: str, to: str, data: bytes) -> None:
        """A message already in its wire form (portal/mail_bulk.py): no app context needed,
        so a sender thread can send it."""
        self.smtp.sendmail(envelope, [to], data)


def envelope_of(to: str) -> str | None:
    """The envelope sender (Return-Path) of a message to `to`: the signed bounce address when
    there is one (delivery reports come back to the inbound receiver, portal/mail_addresses.py),
    else the portal's MAIL_FROM address, whoever the From of a customer's email names."""
    envelope = (
        mail_addresses.envelope_sender(to)
        or parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]
    )
    return envelope or None


class FileSender:
    """No SMTP server configured: each message becomes an .eml file, its links logged."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def send(self, msg: Message) -> Path:
        return self._write(msg, bytes(msg))

    def send_bytes(self, envelope: str, to: str, data: bytes) -> Path:
        return self._write(message_from_bytes(data), data)

    def _write(self, msg: Message, data: bytes) -> Path:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        ident = msg["Message-ID"].strip("<>").split("@")[0]
        path = self.folder / f"{stamp}-{ident}.eml"
        path.write_bytes(data)
        text = _plain_text(msg)
        links = sorted(set(LINK.findall(text)))
        # INFO: writing mail to a folder is the normal development set-up, not a problem.
        log.info("mail to %s written to %s; links: %s", msg["To"], path, " ".join(links))
        return path


def _plain_text(msg: Message) -> str:
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Built once: creating a default context loads the CA store (about 20 ms)."""
    return ssl.create_default_context()


@contextmanager
def connect() -> Iterator[SmtpSender | FileSender]:
    """A sender for a batch of messages: one SMTP connection (or the mail folder)."""
    cfg = current_app.config
    if not cfg.get("MAIL_SERVER"):
        yield FileSender(Path(cfg["MAIL_DIR"]))
        return
    host, port, timeout = cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_TIMEOUT"]
    context = _tls_context() if cfg["MAIL_USE_SSL"] or cfg["MAIL_USE_TLS"] else None
    if cfg["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        yield SmtpSender(smtp)
