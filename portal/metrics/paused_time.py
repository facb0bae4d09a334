"""Time a case waited for the customer (services/cases/waiting.py) is left out of its time to
resolution: the clock was paused, as it was for the resolve deadline.

Each ended wait before the resolution counts in the same measure as the resolution time itself
(`Calendars.hours`: working hours of the rep's team calendar for business-hours policies, clock
hours otherwise), so that a wait over a weekend removes no working time.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import CasePause

CHUNK = 2000  # ids per IN (...) list


def ended_pauses(case_ids: list[int]) -> dict[int, list[tuple[datetime, datetime]]]:
    """Each case's ended waits, (started, ended), oldest first."""
    found: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    ids = sorted(set(case_ids))
    for i in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            sa.select(CasePause.case_id, CasePause.started_at, CasePause.ended_at)
            .where(CasePause.case_id.in_(ids[i : i + CHUNK]), CasePause.ended_at.is_not(None))
            .order_by(CasePause.started_at)
        )
        for case_id, started, ended in rows:
            found[case_id].append((started, ended))
    return found


def resolution_hours_without_pauses(
    hours: float | None, pauses, resolved_at: datetime | None, measure
) -> float | None:
    """`hours` (opened -> resolved) less the paused hours before `resolved_at`, each measured
    by `measure(start, end)` (facts.Calendars.hours bound to the case's rep and severity)."""
    if hours is None or resolved_at is None or not pauses:
        return hours
    paused = sum(
        measure(start, min(end, resolved_at)) or 0.0 for start, end in pauses if start < resolved_at
    )
    return max(hours - paused, 0.0)
