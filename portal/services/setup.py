"""First-run defaults that every installation needs."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import SlaPolicy
from portal.models.sla import DEFAULT_SLA_POLICIES


def default_policy(severity: str) -> SlaPolicy:
    """The default SLA policy of a severity, as a new row not yet added to the session."""
    for name, first_contact, resolve, business_hours in DEFAULT_SLA_POLICIES:
        if name == severity:
            return SlaPolicy(
                severity=severity,
                first_contact_amount=first_contact[0],
                first_contact_unit=first_contact[1],
                resolve_amount=resolve[0],
                resolve_unit=resolve[1],
                business_hours=business_hours,
            )
    raise ValueError(f"unknown severity {severity!r}")


def ensure_sla_policies() -> int:
    """Create the default SLA policy of every severity that has none. Returns how many."""
    existing = set(db.session.scalars(sa.select(SlaPolicy.severity)))
    created = 0
    for severity, *_ in DEFAULT_SLA_POLICIES:
        if severity not in existing:
            db.session.add(default_policy(severity))
            created += 1
    db.session.commit()
    return created
