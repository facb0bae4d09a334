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

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, SurveyResponse, WebhookDelivery, WebhookEndpoint
from portal.models.webhook import TEST_EVENT, WEBHOOK_EVENTS
from portal.services.external.cases import case_data, iso

DELIVER_JOB = "webhooks.deliver"


def _delivery(endpoint: WebhookEndpoint | sa.Row, event: str, data: dict, now: datetime):
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
    # Two columns, not the endpoints: read on every survey answer, mostly to find none.
    endpoints = db.session.execute(
        sa.select(WebhookEndpoint.id, WebhookEndpoint.events).where(
            WebhookEndpoint.disabled_at.is_(None)
        )
    ).all()
    chosen = [e for e in endpoints if event in (e.events or [])]
    for endpoint in chosen:
        _delivery(endpoint, event, data, now)
    return len(chosen)


def case_event(kind: str, case: Case, now: datetime, **extra) -> int:
    """case.<kind> about `case` (flushed with the caller's change)."""
    return emit(f"case.{kind}", {"case": case_data(case), **extra}, now)


def survey_answered(response: SurveyResponse, now: datetime) -> int:
    invitation = response.invitation
    return emit(
        "survey.answered",
        {
            "answer": {
                "invitation_id": invitation.id,
                "kind": invitation.kind,
                "order_ref": invitation.sale.order_ref if invitation.sale else None,
                "satisfaction": response.satisfaction,
                "recommend": response.recommend,
                "submitted_at": iso(response.submitted_at),
            }
        },
        now,
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
