"""Outgoing email: through SMTP when a server is configured, else as .eml files on disk.

Bodies come in pairs, `templates/email/NAME.txt` and `NAME.html`, rendered with the same
context. Every link in a message is built from PORTAL_BASE_URL (see `portal.urls`), never from
the Host header of whatever request happened to trigger the mail.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import time
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app, render_template

from portal.models.base import utcnow

log = logging.getLogger(__name__)
LINK = re.compile(r"https?://\S+")


def build_message(
    to: str,
    subject: str,
    template: str,
    headers: dict[str, str] | None = None,
    **context,
) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject
    msg["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    msg["To"] = to
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain="aftersale")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(render_template(f"email/{template}.txt", **context))
    msg.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return msg


def send(messages: EmailMessage | Iterable[EmailMessage]) -> None:
    """Send one message or a batch over a single SMTP connection. Raises on failure."""
    batch = [messages] if isinstance(messages, EmailMessage) else list(messages)
    if not batch:
        return
    if current_app.config.get("MAIL_SERVER"):
        _send_smtp(batch)
    else:
        _write_files(batch)


def _send_smtp(batch: list[EmailMessage]) -> None:
    cfg = current_app.config
    host, port, timeout = cfg["MAIL_SERVER"], cfg["MAIL_PORT"], cfg["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if cfg["MAIL_USE_SSL"]:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if cfg["MAIL_USE_TLS"] and not cfg["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        for msg in batch:
            smtp.send_message(msg)


def _write_files(batch: list[EmailMessage]) -> None:
    folder = Path(current_app.config["MAIL_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for msg in batch:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        ident = msg["Message-ID"].strip("<>").split("@")[0]
        path = folder / f"{stamp}-{ident}.eml"
        path.write_bytes(bytes(msg))
        text = msg.get_body(preferencelist=("plain",)).get_content()
        links = sorted(set(LINK.findall(text)))
        log.warning("mail to %s written to %s; links: %s", msg["To"], path, " ".join(links))
