"""Text that arrives from outside (the API, a CSV file, a form) made safe to store and to mail.

Names, products and order numbers end up in email subjects (headers: one line, no control
characters) and in PostgreSQL (no NUL, no lone UTF-16 surrogates). They are cleaned once, where
they come in, so nothing later (the rep's email, an export) has to cope with them:

- `single_line`: every run of whitespace, line breaks and control characters becomes one
  space; the ends are stripped. A name typed or exported with a stray line break is still the
  same name.
- `text_problem`: what cannot be repaired without guessing (a lone surrogate, which only a
  broken JSON encoder produces), said so that the sender can fix it.
"""

from __future__ import annotations

import re
import unicodedata

# Whitespace of every kind (CR, LF, tab, NEL, U+2028/9, no-break space...) and every other
# control character (category Cc: NUL, ESC, DEL...), in runs.
_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def single_line(value: str | None) -> str | None:
    """The value on one line: whitespace and control characters collapsed to one space."""
    if value is None:
        return None
    cleaned = _BREAKS.sub(" ", value).strip()
    # Format characters (bidi overrides, zero-width joiners) are kept: names in Arabic or with
    # emoji need them; they do not break headers.
    return cleaned


def has_control_characters(value: str) -> bool:
    """True when the value holds a line break, tab or other control character."""
    return any(unicodedata.category(ch) == "Cc" or ch in "\u2028\u2029" for ch in value)


def text_problem(field: str, value: str | None) -> str | None:
    """Why `value` cannot be stored as text, or None when it can."""
    if value and _SURROGATE.search(value):
        return (
            f"{field} holds a character that is not valid text (a lone UTF-16 surrogate, "
            "e.g. \\ud800): send it as UTF-8 text"
        )
    return None


def without_surrogates(value: str) -> str:
    """The value with any lone surrogate replaced by U+FFFD, so it can be encoded."""
    return _SURROGATE.sub("\ufffd", value)
