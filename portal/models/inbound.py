"""Mail that comes in (portal/inbound/): each message as received, the attachments kept from
customers' replies, the delivery failures reported for our own mail, and revoked reply
addresses."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, UTCDateTime, utcnow

# What a message turned out to be (services/inbound/classify.py); NULL until processed.
INBOUND_KINDS = ("customer_reply", "bounce", "auto_reply", "not_for_us")
BOUNCE_KINDS = ("hard", "soft")


class InboundMessage(Base):
    """One message accepted by the receiver, stored raw before anything reads it: a message
    whose processing fails is still here, and is processed again when its job is retried."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        sa.CheckConstraint(f"kind IS NULL OR kind IN {INBOUND_KINDS!r}", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    envelope_from: Mapped[str] = mapped_column(sa.String(320), default="")
    envelope_to: Mapped[list] = mapped_column(sa.JSON)
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary)
    size: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str | None] = mapped_column(sa.String(20))
    # What became of it, in words for the admin: "threaded on case #12", "auto-reply: ignored".
    outcome: Mapped[str | None] = mapped_column(sa.Text)
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="SET NULL"), index=True
    )
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Where a customer's file came from: attached to an emailed reply, picked on the complaint
# form (public or from a survey link), or sent with a message on the case's status page.
ATTACHMENT_SOURCES = ("email", "complaint_form", "status_page")


class InboundAttachment(Base):
    """A file a customer sent us, kept within the configured limits and shown to staff on the
    case: attached to an emailed reply (`inbound_message_id`), or uploaded on the complaint
    form (`complaint_id`; `case_id` is set once triage opens the complaint's case) or with a
    message on the case's status page. Kept in the database: every process sees it."""

    __tablename__ = "inbound_attachments"
    __table_args__ = (
        sa.CheckConstraint(f"source IN {ATTACHMENT_SOURCES!r}", name="source_known"),
        # A file belongs to a case, or to a complaint that has none yet.
        sa.CheckConstraint(
            "case_id IS NOT NULL OR complaint_id IS NOT NULL", name="case_or_complaint"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(20), default="email", server_default="email")
    inbound_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("inbound_messages.id", ondelete="CASCADE"), index=True
    )
    complaint_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("complaints.id", ondelete="CASCADE"), index=True
    )
    case_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    message: Mapped[InboundMessage | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class MailBounce(Base):
    """A delivery report (RFC 3464) about one of our messages: a hard one stops mail to the
    address (the customer's `bounced_at`), a soft one is counted."""

    __tablename__ = "mail_bounces"
    __table_args__ = (
        sa.CheckConstraint(f"kind IN {BOUNCE_KINDS!r}", name="kind_known"),
        # One row per address per report: processing a report again records nothing new.
        sa.UniqueConstraint("inbound_message_id", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inbound_message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("inbound_messages.id", ondelete="CASCADE")
    )
    address: Mapped[str] = mapped_column(sa.String(254), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(16), default="")
    action: Mapped[str] = mapped_column(sa.String(20), default="")
    diagnostic: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReplyAddressRevocation(Base):
    """A case whose reply address no longer takes mail (`flask portal revoke-reply-address`):
    its signed address cannot expire, so it is revoked here."""

    __tablename__ = "reply_address_revocations"

    case_id: Mapped[int] = mapped_column(
        sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True
    )
    revoked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
