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
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
