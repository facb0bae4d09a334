"""Posting one webhook delivery: signed, short timeouts, no redirects followed, public
addresses only (egress.py).

Signature (README "Webhooks"): header `Aftersale-Signature: t=<unix seconds>,v1=<hex>` where
v1 = HMAC-SHA256(secret, "<t>.<body>"). The receiver recomputes it over the raw body and refuses
a timestamp older than a few minutes (replays).

Each attempt is claimed first (a guarded UPDATE on `attempts`, committed before the POST), so
two copies of the job never post the same attempt. An answer 2xx is delivered; anything else
(a 3xx too: redirects are not followed, an error, a timeout) is a failed attempt: recorded with
what came back, retried with backoff (the "webhook" job family's intervals: RQ's Retry in the
worker, the periodic sweep `retry_due` in inline mode and for anything lost), and given up after
MAX_ATTEMPTS. DISABLE_AFTER failed attempts in a row disable the endpoint.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

import requests
import sqlalchemy as sa

from portal import jobs
from portal.extensions import db
from portal.jobs import outbox
from portal.models import WebhookDelivery, WebhookEndpoint, utcnow
from portal.models.webhook import TEST_EVENT
from portal.services.webhooks import egress
from portal.services.webhooks.endpoints import (
    SecretUnreadable,
    allowed_networks,
    disable,
    secret_of,
)
from portal.services.webhooks.events import DELIVER_JOB

TIMEOUT = (3.05, 5)  # seconds to connect, to read
RESPONSE_KEPT = 2000  # characters of the receiver's answer kept in the delivery log
DISABLE_AFTER = 10  # failed attempts in a row
# A claimed attempt that never reported (a killed worker) is due again after this.
ATTEMPT_TIMEOUT = timedelta(minutes=2)
USER_AGENT = "Aftersale-Webhooks/1"


def backoff() -> tuple[int, ...]:
    """Seconds before each retry: the job family's, which RQ's Retry uses too."""
    return jobs.FAMILIES["webhook"].retry_intervals


def max_attempts() -> int:
    return 1 + len(backoff())


def sign(secret: str, timestamp: int, body: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _claim(delivery: WebhookDelivery, now: datetime) -> bool:
    claimed = db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery.id,
            WebhookDelivery.state == "pending",
            WebhookDelivery.attempts == delivery.attempts,
        )
        .values(
            attempts=WebhookDelivery.attempts + 1,
            last_attempt_at=now,
            next_attempt_at=now + ATTEMPT_TIMEOUT,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery, secret: str, now: datetime):
    """(status, answer excerpt, error)."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Aftersale-Event": delivery.event,
        "Aftersale-Delivery": delivery.event_id,
        "Aftersale-Signature": sign(secret, int(now.timestamp()), delivery.body),
    }
    try:
        with (
            egress.session(**allowed_networks()) as session,
            session.post(
                endpoint.url,
                data=delivery.body.encode(),
                headers=headers,
                timeout=TIMEOUT,
                allow_redirects=False,
                stream=True,
            ) as response,
        ):
            raw = response.raw.read(RESPONSE_KEPT * 4, decode_content=True) or b""
            text = raw.decode(response.encoding or "utf-8", errors="replace")[:RESPONSE_KEPT]
            error = None
            if response.is_redirect or 300 <= response.status_code < 400:
                error = "Redirects are not followed: give the final address."
            elif not 200 <= response.status_code < 300:
                error = f"The endpoint answered {response.status_code}."
            return response.status_code, text, error
    except requests.RequestException as exc:
        return None, None, _failure(exc)


def _failure(exc: requests.RequestException) -> str:
    """What went wrong, in words an admin can act on (the delivery log, the flash)."""
    blocked = egress.blocked_reason(exc)
    if blocked:
        return (
            f"Not sent: {blocked}. Events go to public addresses only "
            "(WEBHOOKS_ALLOW_PRIVATE_NETWORKS allows a receiver inside your own network)."
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return "The address's TLS certificate was refused: it must be valid for its host name."
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return f"No connection within {TIMEOUT[0]:g} seconds."
    if isinstance(exc, requests.exceptions.Timeout):
        return f"No answer within {TIMEOUT[1]:g} seconds."
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "Could not connect: nothing answers at that address (or its host is unknown)."
    return f"Not sent: {type(exc).__name__}."


def attempt(delivery_id: int, now: datetime | None = None) -> str:
    """One attempt of a delivery: "delivered", "retry" (failed, will be retried), "failed"
    (given up), or "skipped" (already settled, or another copy is on it). Committed."""
    now = now or utcnow()
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.state != "pending":
        return "skipped"
    endpoint = delivery.endpoint
    if not endpoint.is_active and delivery.event != TEST_EVENT:
        delivery.state, delivery.error = "failed", "The endpoint is disabled: not sent."
        delivery.next_attempt_at = None
        db.session.commit()
        return "failed"
    if not _claim(delivery, now):
        return "skipped"
    db.session.refresh(delivery)
    try:
        status, text, error = _post(endpoint, delivery, secret_of(endpoint), now)
    except SecretUnreadable as exc:
        status, text, error = None, None, f"Not sent: {exc}."
    delivery.response_status, delivery.response_body, delivery.error = status, text, error
    if error is None:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        endpoint.consecutive_failures = 0
        db.session.commit()
        return "delivered"
    endpoint.consecutive_failures = (endpoint.consecutive_failures or 0) + 1
    if endpoint.consecutive_failures >= DISABLE_AFTER:
        disable(endpoint, f"{DISABLE_AFTER} failed attempts in a row; the last: {error}", now)
    if delivery.attempts >= max_attempts():
        delivery.state, delivery.next_attempt_at = "failed", None
        db.session.commit()
        return "failed"
    delivery.next_attempt_at = now + timedelta(seconds=backoff()[delivery.attempts - 1])
    db.session.commit()
    return "retry"


def retry_due(now: datetime | None = None) -> int:
    """Periodic: queue again every pending delivery whose next attempt is due (inline mode has
    no RQ retries; with a worker this catches what was lost). The job id is the delivery's,
    so a retry RQ already holds is not queued twice."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(WebhookDelivery.id).where(
            WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= now
        )
    ).all()
    for delivery_id in due:
        outbox.add(DELIVER_JOB, delivery_id, family="webhook")
    db.session.commit()
    outbox.flush()
    return len(due)
