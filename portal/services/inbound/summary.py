"""What came in lately, for the admin's system status page: is inbound mail set up, how many
messages of each kind, how many bounces (hard ones suppressed addresses; soft ones counted),
and how many wait to be processed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import InboundMessage, MailBounce

WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class InboundSummary:
    reply_domain: str | None
    bounce_address: str | None
    kinds: dict[str, int]  # customer_reply, auto_reply, bounce, not_for_us
    waiting: int  # stored, not processed (yet)
    hard_bounces: int
    soft_bounces: int


def inbound_summary(now: datetime, reply_domain: str | None, bounce_address: str | None):
    since = now - WINDOW
    kinds = dict(
        db.session.execute(
            sa.select(InboundMessage.kind, sa.func.count())
            .where(InboundMessage.received_at >= since, InboundMessage.kind.is_not(None))
            .group_by(InboundMessage.kind)
        ).all()
    )
    waiting = db.session.scalar(
        sa.select(sa.func.count()).where(InboundMessage.processed_at.is_(None))
    )
    bounces = dict(
        db.session.execute(
            sa.select(MailBounce.kind, sa.func.count())
            .where(MailBounce.created_at >= since)
            .group_by(MailBounce.kind)
        ).all()
    )
    return InboundSummary(
        reply_domain,
        bounce_address,
        kinds,
        waiting or 0,
        bounces.get("hard", 0),
        bounces.get("soft", 0),
    )
