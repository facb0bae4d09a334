"""Complaint themes as figures: how many of a rep's (or team's) complaints are about each
theme, per period (docs/metrics.md, "Complaint themes").

Counted: the cases opened in the window and assigned to the reps, as the complaint figures
count them (not those closed as "not a complaint", facts.case_rows_query). A case with two
themes counts in both, so the shares of one window can add up to more than 100%. The share of
a theme is cases with it / cases with any theme; nothing to count is None, never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.definitions import share
from portal.models import Case, CaseTheme, Theme
from portal.models.case import NOT_A_COMPLAINT


@dataclass(frozen=True)
class ThemeCount:
    key: str
    cases: int
    share: float | None


def theme_breakdown(pairs: Iterable[tuple[int, str]]) -> tuple[int, dict[str, ThemeCount]]:
    """(cases, {theme key: count and share}) from (case id, theme key) pairs. Pure."""
    by_theme: dict[str, set[int]] = defaultdict(set)
    cases: set[int] = set()
    for case_id, key in pairs:
        by_theme[key].add(case_id)
        cases.add(case_id)
    return len(cases), {
        key: ThemeCount(key, len(ids), share(len(ids), len(cases))) for key, ids in by_theme.items()
    }


def theme_share(pairs: Iterable[tuple[int, str]], key: str) -> float | None:
    """The share of the cases that are about `key` (coaching plans about a theme)."""
    total, counts = theme_breakdown(pairs)
    if not total:
        return None
    return counts[key].share if key in counts else 0.0


def counted_cases(start: datetime, end: datetime, rep_ids: Iterable[int] | None) -> sa.Select:
    """Case ids opened in [start, end) for these reps (None: everyone), as complaints count."""
    query = sa.select(Case.id).where(
        Case.created_at >= start,
        Case.created_at < end,
        sa.or_(Case.outcome.is_(None), Case.outcome != NOT_A_COMPLAINT),
    )
    if rep_ids is not None:
        query = query.where(Case.assigned_rep_id.in_(sorted(set(rep_ids))))
    return query


def theme_pairs(start: datetime, end: datetime, rep_ids: Iterable[int] | None) -> list:
    """(case id, theme key) of the counted cases of the window."""
    cases = counted_cases(start, end, rep_ids).subquery()
    rows = db.session.execute(
        sa.select(CaseTheme.case_id, Theme.key)
        .join(Theme, Theme.id == CaseTheme.theme_id)
        .where(CaseTheme.case_id.in_(sa.select(cases.c.id)))
    )
    return [(case_id, key) for case_id, key in rows]
