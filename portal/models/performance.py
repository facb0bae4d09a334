"""Performance records: each rep's rolled-up metrics per period.

Derived data: every row can be rebuilt from sales, responses and cases at any time.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, Money, UTCDateTime, utcnow
from portal.models.coaching import PERIODS


class PerformanceRecord(Base):
    __tablename__ = "performance_records"
    __table_args__ = (
        sa.UniqueConstraint("rep_id", "period", "period_start", name="uq_performance_rep_period"),
        sa.CheckConstraint(f"period IN {PERIODS!r}", name="period_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="SET NULL"), index=True
    )
    period: Mapped[str] = mapped_column(sa.String(10))
    period_start: Mapped[date] = mapped_column(sa.Date)
    sales_count: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[Decimal] = mapped_column(Money, default=Decimal("0"))
    surveys_sent: Mapped[int] = mapped_column(default=0)
    surveys_answered: Mapped[int] = mapped_column(default=0)
    cases_opened: Mapped[int] = mapped_column(default=0)
    cases_resolved: Mapped[int] = mapped_column(default=0)
    # Every other metric of docs/metrics.md, by its name there.
    metrics: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
