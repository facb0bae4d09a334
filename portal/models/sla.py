"""Service-level policies: how fast a case of each severity must be contacted and resolved."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base
from portal.models.case import SEVERITIES

# Defaults used when the portal is first set up; admins can edit them.
DEFAULT_SLA_POLICIES = (
    # severity, first contact (minutes), resolution (minutes), counted in business hours?
    ("critical", 2 * 60, 24 * 60, False),
    ("high", 4 * 60, 2 * 10 * 60, True),
    ("normal", 1 * 10 * 60, 5 * 10 * 60, True),
    ("low", 2 * 10 * 60, 10 * 10 * 60, True),
)


class SlaPolicy(Base):
    __tablename__ = "sla_policies"
    __table_args__ = (
        sa.CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity_known"),
        sa.CheckConstraint("first_contact_minutes > 0", name="first_contact_positive"),
        sa.CheckConstraint(
            "resolve_minutes >= first_contact_minutes", name="resolve_after_contact"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(sa.String(16), unique=True)
    first_contact_minutes: Mapped[int] = mapped_column()
    resolve_minutes: Mapped[int] = mapped_column()
    # True: minutes count only inside the team's working hours (a "business day" is the
    # length of one working day); False: wall-clock minutes.
    business_hours: Mapped[bool] = mapped_column(default=True)
