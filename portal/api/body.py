"""Reading an API request's JSON body within limits, so that no body can cost a 500.

A batch of MAX_BATCH sales is about 300 KB of JSON, three levels deep. Anything far larger is
refused with 413 before it is read, and anything nested deeper than MAX_DEPTH with 400 before
it is parsed (Python's parser would recurse once per level and fail at about a thousand).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Request

MAX_BODY_BYTES = 2 * 1024 * 1024  # 2 MiB: a full batch with every field at its longest
MAX_DEPTH = 32  # a batch needs 3
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


class BodyError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def read_json(request: Request) -> Any:
    """The parsed JSON body, or BodyError (400 not JSON or too deep, 413 too large)."""
    too_large = BodyError(
        413, f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB: send fewer sales."
    )
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large
    # A chunked body has no Content-Length: MAX_CONTENT_LENGTH (config) bounds the read.
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise too_large
    not_json = BodyError(400, "The body must be JSON (Content-Type: application/json).")
    if not request.is_json:
        raise not_json
    if _depth(raw) > MAX_DEPTH:
        raise BodyError(
            400, f"The JSON is nested more than {MAX_DEPTH} levels deep: a batch needs 3."
        )
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise not_json from exc


def _depth(raw: bytes) -> int:
    """How deep the brackets outside strings nest (the body need not be valid JSON)."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b"", raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest
