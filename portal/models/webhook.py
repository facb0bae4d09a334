"""Webhooks out: endpoints that admins register for events, and each delivery to them.

The endpoint's signing secret is stored encrypted with the app's key (the portal signs with it,
so it cannot be a hash): services/webhooks/endpoints.py.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow
from portal.models.user import User

# What an endpoint may subscribe to (the "type" of each body; services/webhooks/events.py).
WEBHOOK_EVENTS = (
    "case.opened",
    "case.first_contact",
    "case.resolved",
    "case.reopened",
    "case.breached",
    "survey.answered",
)
TEST_EVENT = "webhook.test"
DELIVERY_STATES = ("pending", "delivered", "failed")


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list] = mapped_column(sa.JSON)  # a subset of WEBHOOK_EVENTS
    secret_encrypted: Mapped[str] = mapped_column(sa.Text)
    # The first characters of the secret, so an admin can tell which one a receiver holds.
    secret_prefix: Mapped[str] = mapped_column(sa.String(16))
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Failed attempts in a row, of any delivery; a success sets it back to 0.
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(300))

    created_by: Mapped[User | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


class WebhookDelivery(Base):
    """One event for one endpoint: its body (fixed when the event happened, so every attempt
    sends the same bytes) and what the last attempt got back."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.CheckConstraint(f"state IN {DELIVERY_STATES!r}", name="state_known"),
        sa.Index("ix_webhook_deliveries_endpoint_created", "endpoint_id", "created_at"),
        sa.Index("ix_webhook_deliveries_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    event_id: Mapped[str] = mapped_column(sa.String(40), unique=True)  # the body's "id"
    event: Mapped[str] = mapped_column(sa.String(40))
    body: Mapped[str] = mapped_column(sa.Text)  # the JSON text sent, byte for byte
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(sa.String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column()
    response_body: Mapped[str | None] = mapped_column(sa.Text)  # the first 2,000 characters
    error: Mapped[str | None] = mapped_column(sa.String(500))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
