"""Survey invitations (one personal link each) and the answers customers give."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.customer import Customer
from portal.models.mixins import AnalysedText
from portal.models.sale import Sale

INVITATION_KINDS = ("post_sale", "resolution")
SENTIMENT_LABELS = ("negative", "neutral", "positive")


class SurveyInvitation(Base):
    __tablename__ = "survey_invitations"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {INVITATION_KINDS!r}", name="kind_known"),
        # One post-sale survey per sale (NULL sale ids, as on follow-ups, never collide).
        sa.UniqueConstraint("kind", "sale_id", name="uq_survey_invitations_kind_sale"),
        sa.Index("ix_survey_invitations_due", "sent_at", "scheduled_for"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    sale_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sales.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE", use_alter=True), index=True
    )
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Not sent, on purpose: "budget", "unsubscribed", "bounced", "too_late".
    skipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    skip_reason: Mapped[str | None] = mapped_column(sa.String(20))
    # Given up after repeated SMTP failures (or an interrupted send): shown to admins.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while one dispatcher sends it: nobody else may (see services/survey_dispatch.py).
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    sale: Mapped[Sale | None] = relationship()
    response: Mapped[SurveyResponse | None] = relationship(back_populates="invitation")


class SurveyResponse(AnalysedText, Base):
    __tablename__ = "survey_responses"
    __table_args__ = (
        sa.CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction_range"),
        sa.CheckConstraint("recommend BETWEEN 0 AND 10", name="recommend_range"),
        sa.CheckConstraint(f"sentiment_label IN {SENTIMENT_LABELS!r}", name="label_known"),
        sa.Index("ix_survey_responses_unanalysed", "analysed_at"),
        # The managers' review list, least certain first and then newest (services/cases/
        # review.py); only analysed answers with a comment have a doubt.
        sa.Index(
            "ix_survey_responses_review",
            "review_doubt",
            "submitted_at",
            "id",
            postgresql_where=sa.text("review_doubt IS NOT NULL"),
            sqlite_where=sa.text("review_doubt IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Unique: one answer per invitation, even when two submits race.
    invitation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("survey_invitations.id", ondelete="CASCADE"), unique=True
    )
    satisfaction: Mapped[int | None] = mapped_column(sa.SmallInteger)
    recommend: Mapped[int | None] = mapped_column(sa.SmallInteger)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    may_contact: Mapped[bool] = mapped_column(default=False)
    # Follow-ups after a resolution: did it fix the concern?
    resolved_concern: Mapped[bool | None] = mapped_column()
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The learned scorer's probability that the comment is a complaint (None: no model ran).
    complaint_probability: Mapped[float | None] = mapped_column(sa.Float)
    # How much a manager's look is worth, 0 (confidently positive) to 3 (needs a person);
    # None: no comment or not analysed. Set with the analysis (services/surveys/doubt.py).
    review_doubt: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The open case of the same order this answer was added to ("the customer wrote again",
    # services/cases/joining.py) instead of opening a second one. An answer that opened its
    # own case has it in Case.response_id; this one is NULL then.
    added_to_case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="SET NULL", use_alter=True), index=True
    )

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="response")
