"""Webhook endpoints: registered by admins, with a signing secret shown once.

The portal signs every delivery with the endpoint's secret, so it must keep the secret itself:
it is stored encrypted (Fernet) under a key derived from the app's SECRET_KEY. Changing
SECRET_KEY makes the stored secrets unreadable: such an endpoint's deliveries fail with
"secret unreadable" until an admin replaces the endpoint.

Addresses must be https://; plain http:// only to a loopback address, and only where
WEBHOOKS_ALLOW_HTTP_LOOPBACK is on (development and tests). An address written as a non-public
IP is refused here with what to do; a host name is checked each time a delivery connects
(egress.py), since its DNS answer can change after it was registered.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import secrets
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

from portal.extensions import db
from portal.models import User, WebhookDelivery, WebhookEndpoint
from portal.models.webhook import WEBHOOK_EVENTS
from portal.services import audit
from portal.services.rules import RuleError
from portal.services.webhooks import egress
from portal.settings_cache import clear

SECRET_PREFIX = "whsec_"  # noqa: S105  (the prefix of every secret, not a secret)
URL_LENGTH = 2000
LOOPBACK_NAMES = ("localhost",)
# The active endpoints' (id, events), read by every event (events.py): cleared on each change.
ENDPOINTS_CACHE = "webhook_endpoints"


class SecretUnreadable(RuntimeError):
    """The stored secret does not decrypt with this SECRET_KEY."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(
        b"aftersale webhook secrets\0" + current_app.config["SECRET_KEY"].encode()
    ).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def secret_of(endpoint: WebhookEndpoint) -> str:
    try:
        return _fernet().decrypt(endpoint.secret_encrypted.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "the endpoint's secret was stored under another SECRET_KEY"
        ) from None


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def allowed_networks() -> dict[str, bool]:
    """The egress policy from the configuration: egress.refusal's and egress.session's keywords."""
    config = current_app.config
    return {
        "loopback": config.get("WEBHOOKS_ALLOW_HTTP_LOOPBACK", False),
        "private": config.get("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", False),
    }


def _check_literal_address(host: str) -> None:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return
    why = egress.refusal(address, **allowed_networks())
    if why:
        raise RuleError(
            f"{host} {why}: events go to public addresses only. A receiver inside your own "
            "network needs WEBHOOKS_ALLOW_PRIVATE_NETWORKS on (README, Configuration).",
            "url",
        )


def check_url(url: str | None) -> str:
    """The address, or RuleError (field "url") saying what to fix."""
    url = (url or "").strip()
    if not url:
        raise RuleError("Give the address that receives the events.", "url")
    if len(url) > URL_LENGTH:
        raise RuleError(f"Keep the address to {URL_LENGTH} characters.", "url")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018  (raises on a port that is no number)
    except ValueError:
        raise RuleError("This is not a web address: check it and try again.", "url") from None
    if not host:
        raise RuleError("The address has no host name: start it with https://", "url")
    if parts.username or parts.password:
        raise RuleError("Leave the user name and password out of the address.", "url")
    if any(c.isspace() for c in url):
        raise RuleError("The address cannot contain spaces.", "url")
    if parts.scheme == "https":
        _check_literal_address(host)
        return url
    loopback_ok = current_app.config.get("WEBHOOKS_ALLOW_HTTP_LOOPBACK", False)
    if parts.scheme == "http" and loopback_ok and _is_loopback(host):
        return url
    raise RuleError("Use an https:// address: events are only sent encrypted.", "url")


def check_events(events: list[str] | None) -> list[str]:
    chosen = [e for e in WEBHOOK_EVENTS if e in (events or [])]
    if not chosen or len(chosen) != len(set(events or [])):
        raise RuleError("Tick at least one event to send.", "events")
    return chosen


def create_endpoint(
    name: str, url: str, events: list[str], actor: User | None
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint. Its secret is returned once, to show once. Committed."""
    name = (name or "").strip()
    if not name:
        raise RuleError("Give the endpoint a name (the system that receives it).", "name")
    url, events = check_url(url), check_events(events)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(
        name=name[:120],
        url=url,
        events=events,
        secret_encrypted=_fernet().encrypt(secret.encode()).decode(),
        secret_prefix=secret[:12],
        created_by_id=actor.id if actor else None,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record(
        "webhook.created", endpoint, after={"name": endpoint.name, "url": url, "events": events}
    )
    db.session.commit()
    clear(ENDPOINTS_CACHE)
    return endpoint, secret


def disable(endpoint: WebhookEndpoint, reason: str, now: datetime) -> None:
    """In the caller's transaction: nothing more is sent until an admin turns it on again."""
    if endpoint.disabled_at is None:
        endpoint.disabled_at = now
        endpoint.disabled_reason = reason[:300]
        audit.record("webhook.disabled", endpoint, after={"reason": endpoint.disabled_reason})
        clear(ENDPOINTS_CACHE)


def enable(endpoint: WebhookEndpoint) -> None:
    audit.record("webhook.enabled", endpoint, before={"reason": endpoint.disabled_reason})
    endpoint.disabled_at = None
    endpoint.disabled_reason = None
    endpoint.consecutive_failures = 0
    db.session.commit()
    clear(ENDPOINTS_CACHE)


def delete(endpoint: WebhookEndpoint) -> None:
    audit.record("webhook.deleted", endpoint, before={"name": endpoint.name, "url": endpoint.url})
    db.session.delete(endpoint)
    db.session.commit()
    clear(ENDPOINTS_CACHE)


def all_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(sa.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def recent_deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


def last_deliveries(endpoints: list[WebhookEndpoint]) -> dict[int, WebhookDelivery]:
    """Each endpoint's newest delivery (for the list)."""
    newest = (
        sa.select(sa.func.max(WebhookDelivery.id))
        .where(WebhookDelivery.endpoint_id.in_([e.id for e in endpoints]))
        .group_by(WebhookDelivery.endpoint_id)
    )
    rows = db.session.scalars(sa.select(WebhookDelivery).where(WebhookDelivery.id.in_(newest)))
    return {d.endpoint_id: d for d in rows}
