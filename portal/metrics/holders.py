"""Who held a case when: the holding periods that response and resolution times are split by
(docs/metrics.md, "Whose figure").

A case's holder changes with each timeline event that names the new holder in
`data["rep_id"]`: "assigned" and "triaged" (opening, a manager's assignment), "cover_started"
and "cover_ended" (an away rep's stand-in, services/cases/cover.py). A case whose events do not
end with its current holder (older data, demo cases) has one holder: the current one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.models import CaseEvent

HOLDER_KINDS = ("assigned", "triaged", "cover_started", "cover_ended")
CHUNK = 2000


@dataclass(frozen=True)
class Hold:
    rep_id: int | None
    start: datetime
    end: datetime | None  # None: holds it still


def holder_changes(case_ids: list[int]) -> dict[int, list[tuple[datetime, int | None]]]:
    """Each case's (moment, new holder) changes, in order."""
    found: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
    ids = sorted(set(case_ids))
    for i in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            sa.select(CaseEvent.case_id, CaseEvent.created_at, CaseEvent.data)
            .where(CaseEvent.case_id.in_(ids[i : i + CHUNK]), CaseEvent.kind.in_(HOLDER_KINDS))
            .order_by(CaseEvent.case_id, CaseEvent.created_at, CaseEvent.id)
        )
        for case_id, moment, data in rows:
            found[case_id].append((moment, (data or {}).get("rep_id")))
    return found


def holding_periods(
    created_at: datetime, holder_now: int | None, changes: list[tuple[datetime, int | None]]
) -> tuple[Hold, ...]:
    """The case's holders from its opening on (consecutive periods of one rep merged)."""
    if not changes or changes[-1][1] != holder_now:
        return (Hold(holder_now, created_at, None),)
    holds: list[Hold] = []
    for moment, rep_id in changes:
        start = max(moment, created_at)
        if holds and holds[-1].rep_id == rep_id:
            continue
        if holds:
            holds[-1] = Hold(holds[-1].rep_id, holds[-1].start, start)
        holds.append(Hold(rep_id, created_at if not holds else start, None))
    return tuple(holds)


def holder_at(holds: tuple[Hold, ...], moment: datetime | None) -> int | None:
    """Who held the case at `moment` (the last holder for a moment after every change)."""
    if moment is None:
        return None
    for hold in holds:
        if hold.end is None or moment < hold.end:
            return hold.rep_id
    return holds[-1].rep_id


def split_window(holds: tuple[Hold, ...], start: datetime, end: datetime | None, hours):
    """The time from `start` to `end` by holder: ((rep_id, hours), ...), counted by
    `hours(a, b)`; the holder at `end` is in it even with no time. None when `end` is None."""
    if end is None:
        return None
    parts: dict[int | None, float] = defaultdict(float)
    for hold in holds:
        a, b = max(hold.start, start), min(hold.end or end, end)
        if b > a:
            parts[hold.rep_id] += hours(a, b)
    parts[holder_at(holds, end)] += 0.0
    return tuple(parts.items())


# --- a case as one subject's figures count it (definitions.compute) ------------------------


def _share(split: tuple | None, reps: set[int]) -> float | None:
    """The subject's part of a split time; None when they held the case for none of it."""
    if split is None:
        return None
    parts = [hours for rep_id, hours in split if rep_id in reps]
    return sum(parts) if parts else None


def for_subject(case: "CaseFact", reps: set[int]) -> "CaseFact | None":  # noqa: F821, UP037
    """The case as the figures of `reps` (a rep, a team's members) count it; None when none
    of them sold or held it."""
    if not case.reps & reps:
        return None
    return replace(
        case,
        first_contact_hours=_share(case.first_contact_split, reps),
        resolution_hours=_share(case.resolution_split, reps),
        mine_opened=case.seller_id in reps,
        mine_resolution=case.resolution_holder in reps,
        mine_first_contact_deadline=case.first_contact_decider in reps,
        mine_resolution_deadline=case.resolution_decider in reps,
        mine_satisfaction=case.seller_id in reps,
    )
