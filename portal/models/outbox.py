"""The outbox: work that must reach the queue, written in the same transaction as the rows it
is about. A Redis outage delays the work but loses none (see portal/services/outbox.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, UTCDateTime, utcnow


class OutboxJob(Base):
    __tablename__ = "outbox_jobs"
    __table_args__ = (sa.Index("ix_outbox_jobs_pending", "done_at", "enqueued_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The deterministic RQ job id: one outbox row, and one queued job, per piece of work.
    job_id: Mapped[str] = mapped_column(sa.String(200), unique=True)
    func: Mapped[str] = mapped_column(sa.String(120))  # the job key: "triage.analyse_response"
    args: Mapped[list] = mapped_column(sa.JSON)
    family: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueue_attempts: Mapped[int] = mapped_column(default=0)
    # Set by the job itself, in the same transaction as its work.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A mail job's claim, committed before it sends (portal/jobs/claims.py): a second copy
    # running at the same moment finds it and sends nothing.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
