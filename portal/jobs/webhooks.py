"""Jobs of webhooks out: deliver one (signed POST, services/webhooks/delivery.py) and the
periodic sweep that retries what is due."""

from __future__ import annotations

from portal import jobs
from portal.jobs import outbox
from portal.jobs.registry import job
from portal.services.webhooks import delivery as webhook_delivery
from portal.services.webhooks.events import DELIVER_JOB


class DeliveryFailed(RuntimeError):
    """A failed attempt with retries left: raised so that RQ retries with backoff."""


@job(DELIVER_JOB)
def deliver(delivery_id: int) -> str:
    outcome = webhook_delivery.attempt(delivery_id)
    if outcome == "retry" and not jobs.is_inline():
        raise DeliveryFailed(f"webhook delivery {delivery_id} failed; RQ retries it")
    # Settled, or (inline: no RQ retries) recorded with its next attempt for `retry_due`.
    outbox.finish(DELIVER_JOB, delivery_id)
    return outcome


@job("webhooks.retry_due")
def retry_due_deliveries() -> int:
    return webhook_delivery.retry_due()
