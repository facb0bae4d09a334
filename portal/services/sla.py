"""Case deadlines: the one place that turns an SLA policy into due times."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from portal.models import SlaPolicy


class Deadlines(NamedTuple):
    first_contact_due: datetime
    resolve_due: datetime


def deadlines_for(policy: SlaPolicy, opened_at: datetime) -> Deadlines:
    """When a case opened at `opened_at` must be first contacted and resolved.

    For now the policy's minutes are plain wall-clock minutes, whatever its
    `business_hours` flag says. Counting only working hours replaces this one function:
    every caller (case routing, reopening, the demo data) gets its deadlines here.
    """
    if opened_at.tzinfo is None:
        raise ValueError(f"naive datetime {opened_at!r}: pass a timezone-aware (UTC) value")
    return Deadlines(
        first_contact_due=opened_at + timedelta(minutes=policy.first_contact_minutes),
        resolve_due=opened_at + timedelta(minutes=policy.resolve_minutes),
    )
