"""The words of an emailed reply: its text part (or its HTML made text), without the quoted
history every mail program appends ("> ..." lines, "On <date>, <name> wrote:", Outlook's
"-----Original Message-----" or "From: ... Sent: ..." block, the Swedish "Den ... skrev:").

The standard library is enough: `html.parser` turns an HTML-only reply into text (block
elements become line breaks, quoted blocks and scripts are dropped), and the quoted history is
cut line by line. What is cut is never lost: the raw message is kept (models/inbound.py).
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from html.parser import HTMLParser

# A line that starts the quoted history: everything from it on is the previous message.
_ATTRIBUTION = re.compile(
    r"^\s*(On\s.+\swrote:|Den\s.+\sskrev:|Le\s.+\sa écrit\s?:|Am\s.+\sschrieb.*:)\s*$",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Ursprungligt meddelande|Forwarded message|Vidarebefordrat"
    r" meddelande)\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)
# Outlook's header block of the quoted message: "From: ..." followed by "Sent:"/"Skickat:".
_OUTLOOK_FROM = re.compile(r"^\s*\*?(From|Från):\*?\s", re.IGNORECASE)
_OUTLOOK_SENT = re.compile(r"^\s*\*?(Sent|Skickat|Date|Datum):\*?\s", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")


def strip_quoted(text: str) -> str:
    """The new words of a reply, without the quoted history below (or among) them."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        if _SEPARATORS.match(line) or _ATTRIBUTION.match(line):
            break
        # "On Mon, 1 Dec 2026 at 10:00, Aftersale <no-reply@...>\nwrote:" is wrapped by some
        # programs over two lines.
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if re.match(r"^\s*(On|Den)\s", line, re.IGNORECASE) and re.match(
            r"^\s*\S*\s*(wrote|skrev):\s*$", following, re.IGNORECASE
        ):
            break
        below = lines[index + 1 : index + 4]
        if _OUTLOOK_FROM.match(line) and any(_OUTLOOK_SENT.match(n) for n in below):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    return _BLANK_RUNS.sub("\n\n", "\n".join(kept)).strip()


class _HtmlText(HTMLParser):
    """Text of an HTML body: paragraphs and line breaks kept, quoted blocks, scripts, styles
    and the HTML head dropped."""

    BLOCKS = frozenset(
        ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol")
    )
    SKIPPED = frozenset(("script", "style", "head", "title", "blockquote"))

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        # Gmail's and Outlook's wrappers of the quoted message.
        quoted = {"gmail_quote", "gmail_attr", "moz-cite-prefix"} & set(classes)
        if tag in self.SKIPPED or quoted or dict(attrs).get("id") == "divRplyFwdMsg":
            if tag not in ("br",):
                self.skipping.append(tag)
            return
        if tag in self.BLOCKS and not self.skipping:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
            return
        if tag in self.BLOCKS and not self.skipping:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(re.sub(r"[ \t\r\n]+", " ", data))


def html_to_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (line.strip() for line in "".join(parser.parts).split("\n"))
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def decoded_text(part) -> str:
    """A text part's content; an unknown or wrong charset is read as UTF-8 with replacement
    characters rather than failing the whole message."""
    try:
        return part.get_content()
    except (LookupError, UnicodeError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def reply_text(message: EmailMessage) -> str:
    """What the customer wrote: the plain-text body if there is one, else the HTML body as
    text, in both cases without the quoted history."""
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    text = decoded_text(body)
    if body.get_content_subtype() == "html":
        text = html_to_text(text)
    return strip_quoted(text)
