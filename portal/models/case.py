"""Cases (complaints and negative feedback) and their timeline of events."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.customer import Customer
from portal.models.sale import Sale
from portal.models.user import User

CASE_SOURCES = ("survey", "complaint_form", "staff")
CASE_STATUSES = ("open", "contacted", "resolved", "closed", "reopened", "waiting")
SEVERITIES = ("critical", "high", "normal", "low")
# What a rep may choose when resolving a case.
RESOLVE_OUTCOMES = ("refund", "replacement", "discount", "explanation", "no_action")
# A case closed because the words were not a complaint (the label was corrected): it leaves
# the complaint figures (portal/metrics/facts.py).
NOT_A_COMPLAINT = "not_a_complaint"
OUTCOMES = (*RESOLVE_OUTCOMES, NOT_A_COMPLAINT)
# Statuses whose deadlines run (a case waiting for the customer has its clock paused).
CLOCK_RUNNING_STATUSES = ("open", "contacted", "reopened")
# Statuses in which a case still needs work from its rep (services/cases/waiting.py).
OPEN_STATUSES = (*CLOCK_RUNNING_STATUSES, "waiting")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        sa.CheckConstraint(f"source IN {CASE_SOURCES!r}", name="source_known"),
        sa.CheckConstraint(f"status IN {CASE_STATUSES!r}", name="status_known"),
        sa.CheckConstraint(f"severity IN {SEVERITIES!r}", name="severity_known"),
        sa.CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES!r}", name="outcome_known"),
        sa.Index("ix_cases_rep_status_due", "assigned_rep_id", "status", "first_contact_due"),
        sa.Index("ix_cases_status_resolve_due", "status", "resolve_due"),
        # The queue (services/cases/queue.py): which open cases are in someone's scope, their
        # count and their order by next deadline, read from the index alone on PostgreSQL
        # (an index-only scan: 2 ms instead of 9 for a manager's 7,000 open cases).
        sa.Index(
            "ix_cases_status_rep",
            "status",
            "assigned_rep_id",
            postgresql_include=["id", "first_contact_at", "first_contact_due", "resolve_due"],
        ),
        # The dashboard counts the last 90 days' cases on every load (triage_quality.py).
        sa.Index("ix_cases_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    sale_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sales.id", ondelete="SET NULL"), index=True
    )
    # Unique: a survey answer opens at most one case, however often its job runs.
    response_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("survey_responses.id", ondelete="SET NULL"), unique=True
    )
    # Unique: a complaint opens at most one case.
    complaint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("complaints.id", ondelete="SET NULL"), unique=True
    )
    # NULL means the triage queue, from which managers assign.
    assigned_rep_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    # Set while a stand-in holds the case of this away rep; it goes back when they return.
    covering_for_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    severity: Mapped[str] = mapped_column(sa.String(16), default="normal")
    category: Mapped[str | None] = mapped_column(sa.String(40))
    subject: Mapped[str | None] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    contact_preference: Mapped[str | None] = mapped_column(sa.String(20))
    # False: the customer left "You may contact me" unticked on the survey that opened the
    # case. Such a case has no first-contact deadline, resolves without a logged contact,
    # sends no "did this fix it?" follow-up and is in no first-contact figure
    # (docs/metrics.md). Kept in step with the answer while it may be changed
    # (services/cases/answer_changes.py); complaints and staff cases always want contact.
    contact_wanted: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    first_contact_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(sa.String(20))
    resolution_summary: Mapped[str | None] = mapped_column(sa.Text)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    satisfaction_before: Mapped[int | None] = mapped_column(sa.SmallInteger)
    satisfaction_after: Mapped[int | None] = mapped_column(sa.SmallInteger)
    reopen_count: Mapped[int] = mapped_column(default=0)
    # Set when the assigned rep was emailed about the case (makes that job idempotent).
    rep_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The analysis said "look at this" (mixed signals, Swedish without a known cue...).
    needs_review: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking: two people editing the same case cannot overwrite each other.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    customer: Mapped[Customer] = relationship()
    sale: Mapped[Sale | None] = relationship()
    assigned_rep: Mapped[User | None] = relationship(foreign_keys=[assigned_rep_id])
    covering_for: Mapped[User | None] = relationship(foreign_keys=[covering_for_id])
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.created_at", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def awaits_first_contact(self) -> bool:
        """Whether the next deadline is the first contact (not yet made, and wanted)."""
        return self.first_contact_at is None and self.first_contact_due is not None

    @property
    def next_due(self) -> datetime | None:
        """The deadline that matters next: the first contact until it happens (if the
        customer wants contact at all), then the resolution."""
        return self.first_contact_due if self.awaits_first_contact else self.resolve_due


class CaseEvent(Base):
    """One entry of a case's timeline and audit trail: who did what, when."""

    __tablename__ = "case_events"
    __table_args__ = (
        sa.CheckConstraint(
            "actor_kind IN ('staff', 'customer', 'system')", name="actor_kind_known"
        ),
        sa.Index("ix_case_events_case_created", "case_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    actor_kind: Mapped[str] = mapped_column(sa.String(10), default="system")
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    message: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
