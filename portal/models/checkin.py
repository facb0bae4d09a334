"""Personal check-ins: the rules that say which customers are due one, and the ones done."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Money, UTCDateTime, utcnow
from portal.models.customer import Customer
from portal.models.user import User

# Why a customer is due a check-in (portal/services/checkins/due.py computes each):
#   large_sale           a sale of at least `min_amount`, `days` after the sale
#   after_resolution     `days` after their complaint was resolved
#   detractor            `days` after an answer scoring 0-6 on "would you recommend" that
#                        opened no case
#   silent_key_customer  a customer who bought at least `min_amount` in all, silent (no purchase,
#                        no check-in) for `days`
CHECKIN_RULE_KINDS = ("large_sale", "after_resolution", "detractor", "silent_key_customer")
# (kind, min_amount, days): the defaults the migration seeds.
DEFAULT_CHECKIN_RULES = (
    ("large_sale", Decimal("10000.00"), 14),
    ("after_resolution", None, 30),
    ("detractor", None, 2),
    ("silent_key_customer", Decimal("20000.00"), 90),
)
RULES_WITH_AMOUNT = ("large_sale", "silent_key_customer")
CHANNELS = ("call", "email", "meeting", "note")


class CheckinRule(Base):
    __tablename__ = "checkin_rules"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {CHECKIN_RULE_KINDS!r}", name="kind_known"),
        sa.CheckConstraint("days BETWEEN 0 AND 730", name="days_range"),
        sa.CheckConstraint("min_amount IS NULL OR min_amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32), unique=True)
    # The rule never converts between currencies: `min_amount` applies in any currency without
    # an amount of its own in `min_amounts` ({"EUR": "5000.00"}, decimals as text).
    min_amount: Mapped[Decimal | None] = mapped_column(Money)
    min_amounts: Mapped[dict | None] = mapped_column(sa.JSON)
    days: Mapped[int] = mapped_column(sa.Integer)
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    def amounts(self) -> dict[str, Decimal]:
        """The currencies with an amount of their own."""
        return {code: Decimal(text) for code, text in (self.min_amounts or {}).items()}

    def amount_at_least(self, amount, currency):
        """SQL: `amount` (in `currency`) reaches the rule's amount for that currency."""
        own = self.amounts()
        clauses = [sa.and_(currency == code, amount >= value) for code, value in own.items()]
        if self.min_amount is not None:
            clauses.append(sa.and_(currency.not_in(sorted(own)), amount >= self.min_amount))
        return sa.or_(*clauses) if clauses else sa.false()


class Checkin(Base):
    """A rep got in touch with a customer (or wrote down that they did): on the timeline."""

    __tablename__ = "checkins"
    __table_args__ = (
        sa.CheckConstraint(f"channel IN {CHANNELS!r}", name="channel_known"),
        sa.Index("ix_checkins_customer_at", "customer_id", "at"),
        sa.Index("ix_checkins_rep_at", "rep_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    rep_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # The away rep whose customer this was, when `rep` did it as their stand-in (None: their own).
    covering_for_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # The rule that made it due, when it was done from the list (None: done unprompted).
    reason: Mapped[str | None] = mapped_column(sa.String(32))
    channel: Mapped[str] = mapped_column(sa.String(10))
    note: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    rep: Mapped[User | None] = relationship(foreign_keys=[rep_id])
    covering_for: Mapped[User | None] = relationship(foreign_keys=[covering_for_id])
