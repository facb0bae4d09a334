"""Performance records: rolled-up metrics per rep, per team and for everyone, per period.

Derived data: every row can be rebuilt from sales, survey answers and cases at any time
(`flask portal rebuild-performance`); pages read these rows and never scan the facts.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.coaching import PERIODS

SUBJECT_KINDS = ("rep", "team", "all")


class PerformanceRecord(Base):
    __tablename__ = "performance_records"
    __table_args__ = (
        sa.UniqueConstraint(
            "subject", "period", "period_start", name="uq_performance_subject_period"
        ),
        sa.CheckConstraint(f"period IN {PERIODS!r}", name="period_known"),
        sa.Index("ix_performance_period", "period", "period_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "rep:<id>", "team:<id>" or "all": one key, so one unique constraint covers every kind.
    subject: Mapped[str] = mapped_column(sa.String(24))
    rep_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("teams.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(sa.String(10))
    period_start: Mapped[date] = mapped_column(sa.Date)
    # Every metric of portal/metrics/definitions.py, by name (docs/metrics.md).
    metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestDelivery(Base):
    """A weekly digest emailed to a manager: makes the digest job idempotent."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("manager_id", "week_start", name="uq_digest_manager_week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    week_start: Mapped[date] = mapped_column(sa.Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def subject_key(kind: str, id_: int | None = None) -> str:
    return "all" if kind == "all" else f"{kind}:{id_}"
