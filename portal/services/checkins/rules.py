"""The check-in rules admins edit: one row per kind (models/checkin.py), seeded by the
migration; the defaults come back if the table is ever empty."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa

from portal.extensions import db
from portal.models import CheckinRule, Sale, User
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
    "large_sale": "a sale of at least the amount for its currency: due this many days after the "
    "sale",
    "after_resolution": "due this many days after the customer's complaint was resolved",
    "detractor": 'an answer of 0-6 on "would you recommend us" that opened no case: due this '
    "many days after the answer",
    "silent_key_customer": "a customer who bought at least the amount for the currency in all: "
    "due when they have neither bought nor been checked in with for this many days",
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
    # Currency code -> amount as typed; empty: that currency uses `min_amount`.
    amounts: dict[str, str] = field(default_factory=dict)


def currencies_in_use() -> list[str]:
    """The currencies sales are in, and any a rule has an amount for: one field each."""
    codes = set(db.session.scalars(sa.select(Sale.currency).distinct()))
    for rule in db.session.scalars(sa.select(CheckinRule)):
        codes.update((rule.min_amounts or {}).keys())
    return sorted(codes)


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


def _amount(change: RuleChange, currency: str = "") -> Decimal:
    name = f"{change.kind}-min_amount" + (f"-{currency}" if currency else "")
    typed = change.amounts.get(currency, "") if currency else change.min_amount
    text = (typed or "").strip().replace(" ", "").replace("\u00a0", "").replace(",", ".")
    what = f"{LABELS[change.kind]}" + (f", {currency}" if currency else "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise RuleError(
            f"{what}: enter the amount as a number, e.g. 10000 or 9999.50.", name
        ) from None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        raise RuleError(f"{what}: the amount must be from 0 to {MAX_AMOUNT:,.0f}.", name)
    if amount != amount.quantize(Decimal("0.01")):
        raise RuleError(f"{what}: at most two decimals (cents).", name)
    return amount


def _own_amounts(change: RuleChange) -> dict[str, str] | None:
    """The currencies given an amount of their own (empty fields left out), as stored."""
    own = {
        code: str(_amount(change, code).quantize(Decimal("0.01")))
        for code, typed in sorted(change.amounts.items())
        if (typed or "").strip()
    }
    return own or None


def update_rules(actor: User, changes: list[RuleChange], now: datetime) -> None:
    """Check every change first, then apply them all and commit: all or nothing."""
    checked = []
    for change in changes:
        if change.kind not in CHECKIN_RULE_KINDS:
            raise RuleError(f"Unknown check-in rule {change.kind!r}.")
        with_amount = change.kind in RULES_WITH_AMOUNT
        amount = _amount(change) if with_amount else None
        own = _own_amounts(change) if with_amount else None
        checked.append((change, _days(change), amount, own))
    rules = {r.kind: r for r in ensure_rules()}
    for change, days, amount, own in checked:
        rule = rules[change.kind]
        now_set = (change.active, days, amount, own)
        if (rule.active, rule.days, rule.min_amount, rule.min_amounts or None) == now_set:
            continue
        rule.active, rule.days, rule.min_amount, rule.min_amounts = now_set
        rule.updated_at, rule.updated_by_id = now, actor.id
    db.session.commit()
