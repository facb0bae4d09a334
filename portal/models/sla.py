"""Service-level policies: how fast a case of each severity must be contacted and resolved,
and the working calendars (per team) that business-hours deadlines are counted in."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base
from portal.models.case import SEVERITIES

SLA_UNITS = ("hours", "days")

# Defaults used when the portal is first set up; admins can edit them.
DEFAULT_SLA_POLICIES = (
    # severity, first contact (amount, unit), resolution (amount, unit), business hours?
    ("critical", (2, "hours"), (1, "days"), False),
    ("high", (4, "hours"), (2, "days"), True),
    ("normal", (1, "days"), (5, "days"), True),
    ("low", (2, "days"), (10, "days"), True),
)


class SlaPolicy(Base):
    __tablename__ = "sla_policies"
    __table_args__ = (
        sa.CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity_known"),
        sa.CheckConstraint("first_contact_amount > 0", name="first_contact_positive"),
        sa.CheckConstraint("resolve_amount > 0", name="resolve_positive"),
        sa.CheckConstraint(f"first_contact_unit IN {SLA_UNITS!r}", name="first_contact_unit"),
        sa.CheckConstraint(f"resolve_unit IN {SLA_UNITS!r}", name="resolve_unit"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(sa.String(16), unique=True)
    first_contact_amount: Mapped[int] = mapped_column()
    first_contact_unit: Mapped[str] = mapped_column(sa.String(8))
    resolve_amount: Mapped[int] = mapped_column()
    resolve_unit: Mapped[str] = mapped_column(sa.String(8))
    # True: hours are working hours and days are working days of the team's calendar;
    # False: wall-clock hours and 24-hour days.
    business_hours: Mapped[bool] = mapped_column(default=True)

    def describe(self, which: str, business: bool | None = None) -> str:
        """ "4 business hours"; `business`: whether the team's calendar really counts working
        time under this policy (services/sla/deadlines.py `counts_business_hours`)."""
        amount = getattr(self, f"{which}_amount")
        unit = getattr(self, f"{which}_unit")
        business = self.business_hours if business is None else business
        kind = "business " if business else ""
        return f"{amount} {kind}{unit if amount != 1 else unit[:-1]}"


class Holiday(Base):
    """A day off: for one team, or for every team when team_id is NULL."""

    __tablename__ = "holidays"
    __table_args__ = (sa.UniqueConstraint("team_id", "day", name="uq_holidays_team_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(sa.Date, index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
