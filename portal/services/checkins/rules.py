"""The check-in rules admins edit: one row per kind (models/checkin.py), seeded by the
migration; the defaults come back if the table is ever empty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from portal.extensions import db
from portal.models import CheckinRule, User
from portal.models.checkin import CHECKIN_RULE_KINDS, DEFAULT_CHECKIN_RULES, RULES_WITH_AMOUNT
from portal.services.rules import RuleError

MAX_DAYS = 730
MAX_AMOUNT = Decimal("1000000000")

LABELS = {
    "large_sale": "After a large sale",
    "after_resolution": "After a resolved complaint",
    "detractor": "A detractor who got no case",
    "silent_key_customer": "A key customer gone quiet",
}
EXPLAINED = {
    "large_sale": "a sale of at least the amount (in the sale's currency): due this many days "
    "after the sale",
    "after_resolution": "due this many days after the customer's complaint was resolved",
    "detractor": 'an answer of 0-6 on "would you recommend us" that opened no case: due this '
    "many days after the answer",
    "silent_key_customer": "a customer who bought at least the amount in all: due when they "
    "have neither bought nor been checked in with for this many days",
}


def ensure_rules() -> list[CheckinRule]:
    """Every kind's rule, in the order of CHECKIN_RULE_KINDS (a missing one: its default)."""
    rules = {r.kind: r for r in db.session.scalars(sa.select(CheckinRule))}
    missing = [d for d in DEFAULT_CHECKIN_RULES if d[0] not in rules]
    for kind, amount, days in missing:
        rules[kind] = CheckinRule(kind=kind, min_amount=amount, days=days, active=True)
        db.session.add(rules[kind])
    if missing:
        db.session.flush()
    return [rules[kind] for kind in CHECKIN_RULE_KINDS]


def active_rules() -> dict[str, CheckinRule]:
    return {r.kind: r for r in ensure_rules() if r.active}


@dataclass(frozen=True)
class RuleChange:
    kind: str
    active: bool
    days: str  # as typed: checked here
    min_amount: str = ""


def _days(change: RuleChange) -> int:
    field = f"{change.kind}-days"
    try:
        days = int(change.days.strip())
    except (ValueError, AttributeError):
        raise RuleError(
            f"{LABELS[change.kind]}: enter the days as a whole number from 0 to {MAX_DAYS}.",
            field,
        ) from None
    if not 0 <= days <= MAX_DAYS:
        raise RuleError(
            f"{LABELS[change.kind]}: {days} days is out of range; use 0 to {MAX_DAYS}.", field
        )
    return days


def _amount(change: RuleChange) -> Decimal:
    field = f"{change.kind}-min_amount"
    text = (change.min_amount or "").strip().replace(" ", "").replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RuleError(
            f"{LABELS[change.kind]}: enter the amount as a number, e.g. 10000 or 9999.50.", field
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise RuleError(
            f"{LABELS[change.kind]}: the amount must be from 0 to {MAX_AMOUNT:,.0f}.", field
        )
    if amount != amount.quantize(Decimal("0.01")):
        raise RuleError(f"{LABELS[change.kind]}: at most two decimals (cents).", field)
    return amount


def update_rules(actor: User, changes: list[RuleChange], now: datetime) -> None:
    """Check every change first, then apply them all and commit: all or nothing."""
    checked = []
    for change in changes:
        if change.kind not in CHECKIN_RULE_KINDS:
            raise RuleError(f"Unknown check-in rule {change.kind!r}.")
        amount = _amount(change) if change.kind in RULES_WITH_AMOUNT else None
        checked.append((change, _days(change), amount))
    rules = {r.kind: r for r in ensure_rules()}
    for change, days, amount in checked:
        rule = rules[change.kind]
        if (rule.active, rule.days, rule.min_amount) == (change.active, days, amount):
            continue
        rule.active, rule.days, rule.min_amount = change.active, days, amount
        rule.updated_at, rule.updated_by_id = now, actor.id
    db.session.commit()
