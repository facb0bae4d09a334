"""Customers: the people who bought, answer surveys and complain. They have no account."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow

LOCALES = ("en", "sv")


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (sa.CheckConstraint(f"locale IN {LOCALES!r}", name="locale_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: one customer per address, whatever case a source system used.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    # IANA zone for sending in the customer's daytime; NULL: the usual zone of their locale.
    timezone: Mapped[str | None] = mapped_column(sa.String(64))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_surveyed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Their words and contact data were replaced on request (services/customer_data/): no
    # more surveys or emails; the figures (scores, dates, cases) stay.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Customer {self.email!r}>"
