"""Staff corrections of the sentiment label: kept, and listed for whoever tunes the rules."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.survey import SENTIMENT_LABELS
from portal.models.user import User


class SentimentCorrection(Base):
    __tablename__ = "sentiment_corrections"
    __table_args__ = (
        sa.CheckConstraint(f"corrected_label IN {SENTIMENT_LABELS!r}", name="label_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    # The survey answer, when the correction was made on the review list without a case (a
    # dismissal: "not a complaint"); the answer then leaves the list.
    response_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="SET NULL"), index=True
    )
    # The words that were analysed, as they were: the rules change, the evidence stays.
    text: Mapped[str | None] = mapped_column(sa.Text)
    original_label: Mapped[str | None] = mapped_column(sa.String(16))
    original_reasons: Mapped[list | None] = mapped_column(sa.JSON)
    corrected_label: Mapped[str] = mapped_column(sa.String(16))
    note: Mapped[str | None] = mapped_column(sa.Text)
    corrected_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Made on the review list of answers that opened no case: a negative the triage missed.
    from_review: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    corrected_by: Mapped[User | None] = relationship()
