"""API keys: created and revoked by admins, presented by other systems as a bearer token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApiKey, User, utcnow
from portal.models.api_key import API_SCOPES
from portal.services import audit
from portal.services.rules import RuleError

KEY_PREFIX = "as_"
# last_used_at is a hint for admins, not an audit log: written at most once a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(
    name: str, created_by: User | None, scopes: tuple[str, ...] | list[str] = ("write:sales",)
) -> tuple[ApiKey, str]:
    """A new key with `scopes` (API_SCOPES). The secret is returned once, to show once; only
    its hash is stored."""
    chosen = [s for s in API_SCOPES if s in (scopes or ())]
    if not chosen or len(chosen) != len(set(scopes)):
        raise RuleError("Tick what the key may do: send sales, read cases, or both.", "scopes")
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        name=name.strip(),
        prefix=secret[:10],
        key_hash=_hash(secret),
        scopes=" ".join(chosen),
        created_by_id=created_by.id if created_by else None,
    )
    db.session.add(key)
    audit.record("api_key.created", key, after={"name": key.name, "prefix": key.prefix})
    db.session.commit()
    return key, secret


def revoke(key: ApiKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            "api_key.revoked",
            key,
            before={"revoked_at": None},
            after={"revoked_at": audit.jsonable(key.revoked_at), "prefix": key.prefix},
        )
        db.session.commit()


def authenticate(secret: str | None) -> ApiKey | None:
    """The active key with this secret, or None. A revoked key fails from the next request."""
    if not secret or not secret.startswith(KEY_PREFIX) or len(secret) > 200:
        return None
    key = db.session.scalar(
        sa.select(ApiKey).where(ApiKey.key_hash == _hash(secret), ApiKey.revoked_at.is_(None))
    )
    if key is None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
        key.last_used_at = now
        db.session.commit()
    return key


def all_keys() -> list[ApiKey]:
    return list(db.session.scalars(sa.select(ApiKey).order_by(ApiKey.created_at.desc())))
