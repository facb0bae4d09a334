"""Goals that managers set, and the coaching notes they write for their reps."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.user import Team, User

PERIODS = ("week", "month", "quarter")


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (
        sa.CheckConstraint(f"period IN {PERIODS!r}", name="period_known"),
        sa.CheckConstraint(
            "(rep_id IS NULL) <> (team_id IS NULL)", name="exactly_one_of_rep_or_team"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    metric: Mapped[str] = mapped_column(sa.String(40))
    target: Mapped[float] = mapped_column(sa.Float)
    period: Mapped[str] = mapped_column(sa.String(10))
    period_start: Mapped[date] = mapped_column(sa.Date)
    # A goal may run over several periods in a row (3 months from period_start), with
    # milestones on the way: [{"on": "2026-12-15", "target": 40}, ...] (services/performance/
    # goals.py checks them; metrics/pacing.py paces the goal through them).
    span: Mapped[int] = mapped_column(default=1, server_default="1")
    milestones: Mapped[list | None] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rep: Mapped[User | None] = relationship(foreign_keys=[rep_id])
    team: Mapped[Team | None] = relationship()


class CoachingNote(Base):
    __tablename__ = "coaching_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    rep_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # A note written at a check-in of a coaching plan (models/coaching_plan.py).
    plan_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("coaching_plans.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
