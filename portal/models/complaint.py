"""Complaints filed by customers on the public form (or from their survey link)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.customer import Customer
from portal.models.mixins import AnalysedText
from portal.models.sale import Sale

COMPLAINT_CATEGORIES = (
    "delivery",
    "product_quality",
    "wrong_item",
    "billing",
    "service",
    "returns",
    "other",
)
CONTACT_PREFERENCES = ("email", "phone")


class Complaint(AnalysedText, Base):
    """The customer's own words, stored before anything else happens to them.

    A complaint from the public form waits for the customer to confirm their email address
    (confirmed_at); one sent from a survey link is confirmed by that link. Only confirmed
    complaints are analysed and open a case.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        sa.CheckConstraint(
            f"contact_preference IN {CONTACT_PREFERENCES!r}", name="contact_preference_known"
        ),
        sa.Index("ix_complaints_unanalysed", "confirmed_at", "analysed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    name: Mapped[str] = mapped_column(sa.String(200))
    locale: Mapped[str] = mapped_column(sa.String(5), default="en")
    # What the customer typed, kept even when it matches no sale.
    order_ref_given: Mapped[str | None] = mapped_column(sa.String(64))
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="SET NULL"), index=True
    )
    # Set only when the order ref and the email it was sold to match.
    sale_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales.id", ondelete="SET NULL"))
    invitation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_invitations.id", ondelete="SET NULL")
    )
    category: Mapped[str] = mapped_column(sa.String(30))
    description: Mapped[str] = mapped_column(sa.Text)
    contact_preference: Mapped[str] = mapped_column(sa.String(10), default="email")
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The open case of the same order this complaint was added to instead of opening a second
    # one (services/cases/joining.py); NULL when it opened its own case (Case.complaint_id).
    added_to_case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="SET NULL", use_alter=True), index=True
    )

    customer: Mapped[Customer | None] = relationship()
    sale: Mapped[Sale | None] = relationship()
