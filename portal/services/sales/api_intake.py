"""Sales sent in through the API: the same checks and storage as the CSV import, one result
per sale. Idempotent on the order ref: sending a sale again stores nothing new."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import DataError

from portal.extensions import db
from portal.models import utcnow
from portal.services.sales.csv_format import (
    FUTURE_TOLERANCE,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    check_sale,
)
from portal.services.sales.file_import import load_staff, store_sales

log = logging.getLogger(__name__)
MAX_BATCH = 1000
FIELDS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


class PayloadError(Exception):
    """The body as a whole is not a sale or a batch of sales."""


def items_of(payload: Any) -> tuple[list[Any], bool]:
    """(items, whether a single sale was sent)."""
    if isinstance(payload, dict) and "sales" in payload:
        items = payload["sales"]
        if not isinstance(items, list):
            raise PayloadError("'sales' must be a list of sale objects.")
        if not items:
            raise PayloadError("'sales' is empty: send at least one sale.")
        if len(items) > MAX_BATCH:
            raise PayloadError(
                f"'sales' has {len(items)} sales; send at most {MAX_BATCH} per request."
            )
        return items, False
    if isinstance(payload, dict):
        return [payload], True
    raise PayloadError('Send one sale as a JSON object, or a batch as {"sales": [...]}.')


@dataclass
class ItemResult:
    index: int
    order_ref: str | None
    status: str  # created | duplicate | invalid
    errors: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        data = {"index": self.index, "order_ref": self.order_ref, "status": self.status}
        if self.errors:
            data["errors"] = self.errors
        return data


@dataclass
class IntakeResult:
    results: list[ItemResult]

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def invalid(self) -> int:
        return self.count("invalid")

    def as_dict(self) -> dict:
        return {
            "created": self.count("created"),
            "duplicates": self.count("duplicate"),
            "invalid": self.invalid,
            "errors": self.invalid > 0,
            "results": [r.as_dict() for r in self.results],
        }


def _text_of(item: dict, name: str, type_errors: dict[str, list[str]]) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if name == "amount" and isinstance(value, int | float) and not isinstance(value, bool):
        return str(Decimal(str(value)))
    if not isinstance(value, str):
        type_errors[name] = [f"{name} must be a string"]
        return ""
    return value.strip()


def intake(items: list[Any]) -> IntakeResult:
    now = utcnow()
    staff = load_staff()
    latest = now + FUTURE_TOLERANCE
    results: list[ItemResult] = []
    good = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            results.append(ItemResult(index, None, "invalid", {"": ["must be a JSON object"]}))
            continue
        type_errors: dict[str, list[str]] = {}
        texts = {name: _text_of(item, name, type_errors) for name in FIELDS}
        sale, problems = check_sale(texts.__getitem__, staff, latest, line=index)
        for name, messages in type_errors.items():
            problems[name] = messages
        ref = texts["order_ref"] or None
        if sale is None or type_errors:
            results.append(ItemResult(index, ref, "invalid", problems))
            continue
        results.append(ItemResult(index, ref, "pending"))
        good.append(sale)
    created = _store(good, results, now)
    seen: set[str] = set()
    for result in results:
        if result.status != "pending":
            continue
        fresh = result.order_ref in created and result.order_ref not in seen
        result.status = "created" if fresh else "duplicate"
        seen.add(result.order_ref)
    return IntakeResult(results)


def _store(good: list, results: list[ItemResult], now) -> set[str]:
    """Store the checked sales together; if the database refuses a value the checks let
    through, store them one by one and name the one it refused, so it never sinks the rest."""
    if not good:
        return set()
    try:
        return store_sales(good, now)[0]
    except DataError:
        db.session.rollback()
    created: set[str] = set()
    for sale in good:
        try:
            created |= store_sales([sale], now)[0]
        except DataError as exc:
            db.session.rollback()
            log.warning("API sale %s refused by the database: %s", sale.order_ref, exc.orig)
            result = results[sale.line]
            result.status = "invalid"
            result.errors = {"": ["the database refused a value of this sale; check its text"]}
    return created
