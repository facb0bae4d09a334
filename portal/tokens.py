"""Signed, expiring tokens for emailed links.

Each purpose has its own salt, so a token made for one purpose is refused by every other.
Each token has one spelling: base64 decoding forgives padding (`=`), characters outside its
alphabet (`é`) and the unused low bits of the signature's last character, so one emailed link
had many spellings, each rate-limited apart (issue 18). Only the spelling we made is read.
"""

from __future__ import annotations

import re
import time
from functools import lru_cache
from typing import Any

from flask import current_app
from itsdangerous import (
    BadSignature,
    Serializer,
    SignatureExpired,
    URLSafeTimedSerializer,
    base64_decode,
    base64_encode,
)

PURPOSES = (
    "set-password",
    "survey",
    "unsubscribe",
    "survey-form",
    "complaint-confirm",
    "complaint-status",
    "case-status",
    "device",
)


class InvalidToken(Exception):
    """The token is tampered with, expired, or made for another purpose."""


# zlib's output is never shorter than 8 bytes (2 of header, 2 of the shortest block, 4 of
# checksum), so a payload of 9 bytes or fewer is never sent compressed.
NEVER_COMPRESSED = 9


class _Serializer(URLSafeTimedSerializer):
    """itsdangerous' serializer, without the zlib attempt on a payload too short to gain
    from it (an id): each attempt set up a compressor, the most expensive step of a survey
    link (issue 15). The tokens are the same."""

    def dump_payload(self, obj: Any) -> bytes:
        json = Serializer.dump_payload(self, obj)  # what the URL-safe mixin compresses
        if len(json) <= NEVER_COMPRESSED:
            return base64_encode(json)
        return super().dump_payload(obj)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown token purpose {purpose!r}")
    return _serializer_for(current_app.config["SECRET_KEY"], purpose)


@lru_cache(maxsize=64)
def _serializer_for(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    """One per key and purpose, kept: a serializer holds only its settings (it was built
    again for every link made or read)."""
    return _Serializer(secret_key, salt=f"aftersale:{purpose}")


def make_token(purpose: str, payload: Any) -> str:
    return _serializer(purpose).dumps(payload)


# payload.timestamp.signature; a compressed payload starts with "."
_SHAPE = re.compile(r"\.?[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)")


def is_canonical(token: str) -> bool:
    """Spelled exactly as `make_token` spells it. The payload and timestamp are signed as
    text; the signature is decoded, so it must encode back to the very same text."""
    match = _SHAPE.fullmatch(token)
    if match is None:
        return False
    signature = match.group(1)
    try:
        return base64_encode(base64_decode(signature)).decode("ascii") == signature
    except (BadSignature, ValueError):
        return False


def read_token(purpose: str, token: str, max_age: int | None) -> Any:
    """The payload of a genuine token of `purpose`, younger than `max_age` seconds (None: any
    age, for naming what a link is about, e.g. in a rate limit's key)."""
    if not is_canonical(token):
        raise InvalidToken("invalid")
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise InvalidToken("expired") from exc
    except BadSignature as exc:
        raise InvalidToken("invalid") from exc


def read_token_dated(purpose: str, token: str) -> tuple[Any, int]:
    """The payload of a genuine token of `purpose` and when it was signed (epoch seconds),
    its age not checked yet: for a page whose maximum age is read in the same query as what
    the link is about (`is_expired` then says what `read_token` would have)."""
    if not is_canonical(token):
        raise InvalidToken("invalid")
    try:
        payload, signed = _serializer(purpose).loads(token, max_age=None, return_timestamp=True)
    except BadSignature as exc:
        raise InvalidToken("invalid") from exc
    return payload, int(signed.timestamp())


def is_expired(signed_at: int, max_age: int, now: float | None = None) -> bool:
    """As itsdangerous decides it: older than `max_age` seconds, or signed in the future."""
    age = int(time.time() if now is None else now) - signed_at
    return age > max_age or age < 0


def subject_of(purpose: str, token: str) -> str:
    """What a link names (an invitation id, a case id), for per-link rate limits: every
    spelling and every copy of a link about the same thing counts as one. A token that is not
    genuine names nothing (and is answered with the bad-link page, which counts nothing)."""
    try:
        return str(read_token(purpose, token, max_age=None))
    except InvalidToken:
        return "invalid"
