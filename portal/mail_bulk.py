"""Mass mailings built fast (survey invitations: issue 15, bench/dispatch_surveys.py).

Rendering two Jinja templates and building an email.message per recipient cost about 2 ms of
a worker's CPU per survey invitation, most of a 500-a-second budget. But a batch of
invitations comes in a handful of shapes (language, reminder or not, with or without a name):
a `Skeleton` is one shape, rendered ONCE by the real templates and the real
`mail.build_bulk_message` headers, with placeholder slots where a recipient's details go
(name, order, links...). `Skeleton.fill` puts one recipient's details in (HTML-escaped in
the HTML body exactly as Jinja escapes them) and writes the message's bytes directly: the
same bytes the email package writes for `build_bulk_message`, apart from the random
boundary, Date and Message-ID (tests/surveys/test_bulk_mail.py compares them).

A slot must survive whatever the templates do with the value: it is letters only, so HTML
escaping, URL building and gettext's %-formatting leave it as it is.
"""

from __future__ import annotations

import base64
import random
import re
import sys
from dataclasses import dataclass
from email.message import Message
from email.policy import compat32
from email.utils import format_datetime, getaddresses, make_msgid

from markupsafe import escape

from portal import mail
from portal.models.base import utcnow
from portal.text_input import without_surrogates

_SLOT = re.compile(r"zqslot([a-z]+)qz")
_WIRE = compat32.clone(linesep="\r\n")  # what smtplib's send_message writes
_BOUNDARY = "=" * 15 + "%0" + str(len(repr(sys.maxsize - 1))) + "d=="  # email.generator's
_VARYING_HEADERS = ("To", "Date", "Message-ID")


def slot(name: str) -> str:
    """The placeholder for the recipient's `name` (lower-case letters only)."""
    return f"zqslot{name}qz"


@dataclass(frozen=True)
class Outgoing:
    """One message ready for the wire: what an SMTP or file sender needs, without an app
    context (a sender thread sends it, portal/services/surveys/sending.py)."""

    to: str
    envelope: str | None  # MAIL FROM; None: the From address (with `message` only)
    data: bytes | None = None  # the whole message, CRLF line ends
    message: Message | None = None  # built the slow way (sent with send_message)


def outgoing(msg: Message) -> Outgoing:
    """A message built by `mail.build_bulk_message`, with its envelope sender."""
    return Outgoing(to=msg["To"], envelope=mail.envelope_of(msg["To"]), message=msg)


class Skeleton:
    """One shape of a bulk email; `headers` and `context` hold slots (`slot`) where they
    differ per recipient. Build it inside the app context the messages are sent from."""

    def __init__(self, to: str, subject: str, template: str, headers: dict[str, str], **context):
        msg = mail.build_bulk_message(to, subject, template, headers, **context)
        self.from_address = getaddresses([str(msg["From"])])[0][1]
        self.slot_headers = {name for name, value in msg.items() if _SLOT.search(str(value))}
        self.slot_headers.update(_VARYING_HEADERS)
        for name in self.slot_headers:
            msg.replace_header(name, slot(_header_slot(name)))
        text, html = msg.get_payload()
        self.text = _split(text.get_payload(decode=True).decode("utf-8"))
        self.html = _split(html.get_payload(decode=True).decode("utf-8"))
        # Bodies out: the generator writes a payload as it is, so the slot stays one line.
        text.set_payload(slot("textbody"))
        html.set_payload(slot("htmlbody"))
        msg.set_boundary(_BOUNDARY % 0)
        self.wire = _split(msg.as_bytes(policy=_WIRE).decode("ascii"))

    def fill(self, to: str, values: dict[str, str], headers: dict[str, str]) -> Outgoing:
        """The message to `to` with `values` in the body slots (plain text: the HTML body
        gets them escaped) and `headers` in the header slots that are not To, Date and
        Message-ID."""
        clean = {name: without_surrogates(str(value)) for name, value in values.items()}
        escaped = {name: str(escape(value)) for name, value in clean.items()}
        header_values = {
            "To": mail.bulk_address(to),
            "Date": format_datetime(utcnow()),
            "Message-ID": make_msgid(domain="aftersale"),
            **{name: mail.bulk_header(mail.header_value(v)) for name, v in headers.items()},
        }
        wire = {_header_slot(name): _fold(name, v) for name, v in header_values.items()}
        wire["textbody"] = _base64(_join(self.text, clean))
        wire["htmlbody"] = _base64(_join(self.html, escaped))
        boundary = _BOUNDARY % random.randrange(sys.maxsize)  # noqa: S311  (as email.generator)
        data = _join(self.wire, wire).replace(_BOUNDARY % 0, boundary)
        envelope = mail.envelope_of(to) or self.from_address
        return Outgoing(to=to, envelope=envelope, data=data.encode("ascii"))


def _header_slot(name: str) -> str:
    return "header" + re.sub("[^a-z]", "", name.lower())


def _fold(name: str, value) -> str:
    """The header's value as compat32 writes it on the wire (folded when long, encoded
    words when not ASCII), without its name."""
    short = isinstance(value, str) and value.isascii() and len(name) + len(value) < 76
    if short and not any(bad in value for bad in ("\n", "\r", "  ")):
        return value  # what Header.encode answers for a short plain value
    return _WIRE.fold(name, value)[len(name) + 2 : -2]


def _base64(text: str) -> str:
    """The body as the utf-8 charset encodes it: base64, 76-character lines, CRLF ends."""
    return base64.encodebytes(text.encode("utf-8")).decode("ascii").replace("\n", "\r\n")


def _split(text: str) -> list[str]:
    """Literal text and slot names, alternating (re.split with a group)."""
    return _SLOT.split(text)


def _join(parts: list[str], values: dict[str, str]) -> str:
    out = parts[:]
    out[1::2] = [values[name] for name in parts[1::2]]
    return "".join(out)
