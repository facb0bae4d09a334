"""Sales: who bought what from which rep, when. The root of every survey and case."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, Money, UTCDateTime, utcnow
from portal.models.customer import Customer
from portal.models.user import User


class Sale(Base):
    __tablename__ = "sales"
    __table_args__ = (
        sa.Index("ix_sales_customer_sold", "customer_id", "sold_at"),
        sa.Index("ix_sales_rep_sold", "rep_id", "sold_at"),
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_ref: Mapped[str] = mapped_column(sa.String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(sa.ForeignKey("customers.id", ondelete="CASCADE"))
    rep_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(sa.String(3))
    product: Mapped[str] = mapped_column(sa.String(200))
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    rep: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Sale {self.order_ref!r}>"
