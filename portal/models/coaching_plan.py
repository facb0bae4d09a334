"""Coaching plans: what a manager and a rep agree to improve, measured by one figure.

A plan addresses one metric (portal/metrics/definitions.py, e.g. time to first contact) or one
complaint theme (the share of the rep's complaints about it). Its baseline is that figure over
the weeks before the plan started, taken when the plan is made; its progress is the same
figure since the start (portal/metrics/coaching.py). A plan ends met or not met, with the
figure it ended on.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.theme import Theme
from portal.models.user import User

PLAN_STATUSES = ("active", "met", "not_met")
PLAN_FOCUS = ("metric", "theme")


class CoachingPlan(Base):
    __tablename__ = "coaching_plans"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {PLAN_STATUSES!r}", name="status_known"),
        sa.CheckConstraint(f"focus IN {PLAN_FOCUS!r}", name="focus_known"),
        sa.CheckConstraint(
            "(focus = 'metric' AND metric IS NOT NULL) "
            "OR (focus = 'theme' AND theme_id IS NOT NULL)",
            name="focus_named",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    focus: Mapped[str] = mapped_column(sa.String(10))
    metric: Mapped[str | None] = mapped_column(sa.String(40))
    theme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("themes.id", ondelete="SET NULL"))
    # The figure before the plan (None: nothing to count then), stored as a metric stores it
    # (a share as a fraction), and the window it was taken over.
    baseline: Mapped[float | None] = mapped_column(sa.Float)
    baseline_from: Mapped[date] = mapped_column(sa.Date)
    target: Mapped[float] = mapped_column(sa.Float)
    started_on: Mapped[date] = mapped_column(sa.Date)
    due_on: Mapped[date] = mapped_column(sa.Date)
    check_ins: Mapped[list] = mapped_column(sa.JSON, default=list)  # ISO dates
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    final_value: Mapped[float | None] = mapped_column(sa.Float)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rep: Mapped[User] = relationship(foreign_keys=[rep_id])
    manager: Mapped[User | None] = relationship(foreign_keys=[manager_id])
    theme: Mapped[Theme | None] = relationship()
    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", order_by="PlanItem.id", cascade="all, delete-orphan"
    )


class PlanItem(Base):
    """A training item of a plan: a title, a link or an uploaded file, done or not, and the
    rep's own note."""

    __tablename__ = "plan_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        sa.ForeignKey("coaching_plans.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    link: Mapped[str | None] = mapped_column(sa.String(500))
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_type: Mapped[str | None] = mapped_column(sa.String(100))
    file_data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rep_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[CoachingPlan] = relationship(back_populates="items")

    @property
    def done(self) -> bool:
        return self.done_at is not None
