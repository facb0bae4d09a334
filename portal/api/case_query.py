"""The query parameters of GET /api/v1/cases, read strictly: a bad one is named (422), never
guessed at and never passed to the database as it came (a NUL would be a 500 on PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.models.case import CASE_STATUSES
from portal.services.external.cases import MAX_PER_PAGE

ORDER_REF_LENGTH = 64
# What the document promises an order_ref looks like: no control characters (nor lone
# surrogates, which no URL can carry anyway).
ORDER_REF_PATTERN = "^[^\\x00-\\x1f\\x7f]+$"
DEFAULT_PER_PAGE = 50
MAX_PAGE = 100_000


class QueryError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("bad query parameters")
        # As every error body of the API: the problems of each field, by field name.
        self.errors = {name: [message] for name, message in errors.items()}


@dataclass(frozen=True)
class CaseQuery:
    order_ref: str | None
    status: str | None
    page: int
    per_page: int


def _number(args, name: str, default: int, low: int, high: int, errors: dict) -> int:
    raw = args.get(name)
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        errors[name] = f"A whole number from {low} to {high}."
        return default
    return int(raw)


def read(args) -> CaseQuery:
    errors: dict[str, str] = {}
    order_ref = args.get("order_ref")
    if order_ref is not None:
        if not order_ref.strip() or len(order_ref) > ORDER_REF_LENGTH:
            errors["order_ref"] = f"The order number, 1 to {ORDER_REF_LENGTH} characters."
        elif any(ord(c) < 32 or ord(c) == 127 or 0xD800 <= ord(c) <= 0xDFFF for c in order_ref):
            errors["order_ref"] = "An order number has no control characters."
    status = args.get("status")
    if status is not None and status not in CASE_STATUSES:
        errors["status"] = "One of " + ", ".join(CASE_STATUSES) + "."
    page = _number(args, "page", 1, 1, MAX_PAGE, errors)
    per_page = _number(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, errors)
    if errors:
        raise QueryError(errors)
    return CaseQuery(order_ref, status, page, per_page)
