"""The audit trail: who changed what in the administration, when, and from where.

Append-only: rows are added by `portal/services/audit.py` in the transaction of the change
they record, and never changed or removed. No route edits them, and the database refuses it
too (a trigger on PostgreSQL and SQLite, in the migration that creates the table).

The actor is kept as it was at the time (id and email, no foreign key): renaming or removing
a user leaves the trail as it was, and no cascade ever has to touch a row.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow

# staff: a logged-in user; system: a job, the command line, a periodic sweep; anonymous:
# nobody logged in (a failed login).
ACTOR_KINDS = ("staff", "system", "anonymous")


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.CheckConstraint(f"actor_kind IN {ACTOR_KINDS!r}", name="actor_kind_known"),
        sa.Index("ix_audit_events_at", "at"),
        sa.Index("ix_audit_events_action_at", "action", "at"),
        sa.Index("ix_audit_events_target", "target_type", "target_id"),
        sa.Index("ix_audit_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_kind: Mapped[str] = mapped_column(sa.String(10))
    actor_id: Mapped[int | None] = mapped_column()
    actor_email: Mapped[str | None] = mapped_column(sa.String(254))
    # "user.role", "api_key.created"... (docs/audit.md lists them)
    action: Mapped[str] = mapped_column(sa.String(60))
    target_type: Mapped[str | None] = mapped_column(sa.String(40))
    target_id: Mapped[str | None] = mapped_column(sa.String(64))
    # What the target was called at the time (a user's email, a team's name); never a
    # customer's name or address: the trail outlives their anonymisation.
    target_label: Mapped[str | None] = mapped_column(sa.String(200))
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    ip: Mapped[str | None] = mapped_column(sa.String(45))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.action} {self.target_type}:{self.target_id}>"
