"""The events that webhooks carry, each written as deliveries (and their outbox rows) in the
same transaction as the change it reports: if the change commits, its deliveries exist.

Every body is `{"id", "type", "created_at", "data"}`; `id` is the same on every attempt of a
delivery, so a receiver drops what it has seen. What `data` holds (no free text the customer
wrote: the case page has it, behind a login):

- case.opened, case.first_contact, case.resolved, case.reopened, case.breached:
  `{"case": CASE}` (case.breached also `"deadline": "first_contact" | "resolution"`)
- survey.answered: `{"answer": {"invitation_id", "kind", "order_ref", "satisfaction",
  "recommend", "submitted_at"}}`
- webhook.test (the admin's "Send test"): `{"message": ...}`
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import NamedTuple

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, SurveyInvitation, WebhookDelivery, WebhookEndpoint
from portal.models.webhook import TEST_EVENT, WEBHOOK_EVENTS
from portal.services.external.cases import case_data, iso
from portal.services.webhooks.endpoints import ENDPOINTS_CACHE
from portal.settings_cache import cached

DELIVER_JOB = "webhooks.deliver"


class ActiveEndpoint(NamedTuple):
    id: int
    events: frozenset[str]


def _delivery(endpoint: WebhookEndpoint | ActiveEndpoint, event: str, data: dict, now: datetime):
    event_id = f"evt_{uuid.uuid4().hex}"
    body = {"id": event_id, "type": event, "created_at": iso(now), "data": data}
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        event_id=event_id,
        event=event,
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False),
        created_at=now,
        next_attempt_at=now,
    )
    db.session.add(delivery)
    db.session.flush()
    outbox.add(DELIVER_JOB, delivery.id, family="webhook")
    return delivery


def emit(event: str, data: dict, now: datetime) -> int:
    """A delivery to every active endpoint subscribed to `event`, in the caller's transaction
    (flushed, not committed). Returns how many."""
    if event not in WEBHOOK_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    # Read on every survey answer, mostly to find none: a per-process copy of two columns, at
    # most SETTINGS_CACHE_SECONDS old (portal/settings_cache.py; endpoints.py clears it).
    chosen = [e for e in cached(ENDPOINTS_CACHE, _active_endpoints) if event in e.events]
    for endpoint in chosen:
        _delivery(endpoint, event, data, now)
    return len(chosen)


def _active_endpoints() -> tuple[ActiveEndpoint, ...]:
    rows = db.session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.disabled_at.is_(None)
        )
    ).all()
    return tuple(ActiveEndpoint(row.id, frozenset(row.events or ())) for row in rows)


def case_event(kind: str, case: Case, now: datetime, **extra) -> int:
    """case.<kind> about `case` (flushed with the caller's change)."""
    return emit(f"case.{kind}", {"case": case_data(case), **extra}, now)


def survey_answered(invitation: SurveyInvitation, answer: dict, submitted_at: datetime) -> int:
    """survey.answered for a first answer (`answer`: its satisfaction and recommend), in the
    answer's transaction."""
    return emit(
        "survey.answered",
        {
            "answer": {
                "invitation_id": invitation.id,
                "kind": invitation.kind,
                "order_ref": invitation.sale.order_ref if invitation.sale else None,
                "satisfaction": answer["satisfaction"],
                "recommend": answer["recommend"],
                "submitted_at": iso(submitted_at),
            }
        },
        submitted_at,
    )


def send_test(endpoint: WebhookEndpoint, now: datetime) -> WebhookDelivery:
    """The admin's "Send test": one webhook.test delivery to this endpoint, even a disabled
    one (checking a repaired receiver comes before turning it on). Committed and queued."""
    delivery = _delivery(
        endpoint,
        TEST_EVENT,
        {"message": "A test from Aftersale: your endpoint receives and verifies events."},
        now,
    )
    db.session.commit()
    outbox.flush()
    return delivery
