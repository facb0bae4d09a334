"""A case waiting for the customer: one row per wait, while its resolution clock is paused.

The open row of a case (`ended_at` NULL) is its current wait; `resume_by` is when the case goes
back to the queue without an answer. Ended rows are the paused time that the resolution
figures leave out (portal/metrics/paused_time.py).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow

# Why a wait ended: the customer answered, a person took the case back, or nobody answered.
PAUSE_ENDINGS = ("customer", "staff", "no_answer")


class CasePause(Base):
    __tablename__ = "case_pauses"
    __table_args__ = (
        sa.CheckConstraint(
            f"ended_by IS NULL OR ended_by IN {PAUSE_ENDINGS!r}", name="ended_by_known"
        ),
        sa.Index("ix_case_pauses_open", "ended_at", "resume_by"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    business_days: Mapped[int] = mapped_column(sa.SmallInteger)
    resume_by: Mapped[datetime] = mapped_column(UTCDateTime)
    # What the rep asked the customer (it was emailed to them).
    question: Mapped[str] = mapped_column(sa.Text)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(sa.String(12))
