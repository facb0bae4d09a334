"""The company the customers bought from: its name, logo, sender, support contact and brand
colour, shown on every customer page and email. One row, edited by admins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class Organisation(Base):
    __tablename__ = "organisation_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # The From of every customer email; the envelope sender stays MAIL_FROM (portal/mail.py).
    sender_name: Mapped[str | None] = mapped_column(sa.String(120))
    sender_address: Mapped[str | None] = mapped_column(sa.String(254))
    # Where a customer's reply to an email goes; unset: the emails say replies are not read.
    reply_to: Mapped[str | None] = mapped_column(sa.String(254))
    support_email: Mapped[str | None] = mapped_column(sa.String(254))
    support_phone: Mapped[str | None] = mapped_column(sa.String(40))
    support_url: Mapped[str | None] = mapped_column(sa.String(300))
    # "#1f5f8b": the background of the header band behind white text (WCAG AA checked).
    brand_colour: Mapped[str | None] = mapped_column(sa.String(7))
    # The file name of the logo under instance/organisation/ ("logo.png"), and its version
    # (part of its URL, so a new logo is never hidden by a cached old one).
    logo_file: Mapped[str | None] = mapped_column(sa.String(40))
    logo_version: Mapped[int] = mapped_column(default=0)
    # The company's own time zone: staff without a team calendar or setting see times in it.
    time_zone: Mapped[str | None] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
