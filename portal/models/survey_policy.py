"""The survey policy: when surveys go out, how often a customer may be asked, and for how long
a link works. One row, edited by admins."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class SurveyPolicy(Base):
    __tablename__ = "survey_policies"
    __table_args__ = (
        sa.CheckConstraint("send_after_days BETWEEN 0 AND 60", name="send_after_range"),
        sa.CheckConstraint(
            "window_start_hour >= 0 AND window_end_hour <= 24 "
            "AND window_start_hour < window_end_hour",
            name="window_valid",
        ),
        sa.CheckConstraint("budget_days BETWEEN 0 AND 365", name="budget_range"),
        sa.CheckConstraint("reminder_after_days BETWEEN 0 AND 60", name="reminder_range"),
        sa.CheckConstraint("link_expiry_days BETWEEN 1 AND 365", name="expiry_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Days after the sale before the survey goes out.
    send_after_days: Mapped[int] = mapped_column(default=3)
    # Surveys and reminders go out only between these hours of the customer's local day.
    window_start_hour: Mapped[int] = mapped_column(default=9)
    window_end_hour: Mapped[int] = mapped_column(default=18)
    # At most one survey per customer in this many days, across every kind of survey.
    budget_days: Mapped[int] = mapped_column(default=30)
    # One reminder this many days after sending, if unanswered; 0 means no reminder.
    reminder_after_days: Mapped[int] = mapped_column(default=4)
    link_expiry_days: Mapped[int] = mapped_column(default=28)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
