"""Complaint themes per rep and team over time, and the cases behind each count.

Figures from portal/metrics/themes.py; who may see whom from portal/services/scope.py (a rep
their own, a manager their teams' reps, an admin everyone).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.periods import Period
from portal.metrics.themes import ThemeCount, counted_cases, theme_breakdown, theme_pairs
from portal.models import Case, CaseTheme, Team, Theme, User
from portal.services.cases.themes import all_themes
from portal.services.performance.goals import teams_in_scope, visible_rep
from portal.services.scope import visible_cases_query

HISTORY_LENGTH = 6
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Subject:
    """Whose complaints: one rep, one team, or (admins) everyone."""

    label: str
    rep_ids: list[int] | None  # None: everyone
    rep: User | None = None
    team: Team | None = None

    @property
    def args(self) -> dict:
        if self.rep is not None:
            return {"rep": self.rep.id}
        return {"team": self.team.id} if self.team is not None else {}


@dataclass(frozen=True)
class ThemeRow:
    period: Period
    cases: int
    counts: dict[str, ThemeCount]


def subject_for(viewer: User, rep_id: int | None, team_id: int | None) -> Subject | None:
    """The subject the viewer asked for, or None when it is not theirs to see."""
    if any(i is not None and not 0 < i <= MAX_ID for i in (rep_id, team_id)):
        return None  # no such row (and a number the database would refuse to compare)
    if viewer.is_rep or rep_id is not None:
        rep = visible_rep(viewer, viewer.id if viewer.is_rep else rep_id)
        return None if rep is None else Subject(rep.name, [rep.id], rep=rep)
    teams = teams_in_scope(viewer)
    if team_id is None and not viewer.is_admin:
        team_id = teams[0].id if teams else None
    if team_id is None:
        return Subject("All teams", None) if viewer.is_admin else None
    team = next((t for t in teams if t.id == team_id), None)
    if team is None:
        return None
    members = db.session.scalars(
        sa.select(User.id).where(User.team_id == team.id, User.role == "rep")
    )
    return Subject(f"Team {team.name}", list(members), team=team)


def history(subject: Subject, period: Period, length: int = HISTORY_LENGTH) -> list[ThemeRow]:
    """The themes of the subject's complaints in `period` and the ones before it, newest
    first."""
    periods = [period]
    while len(periods) < length:
        periods.append(periods[-1].previous())
    rows = []
    for p in periods:
        total, counts = theme_breakdown(theme_pairs(p.starts_at, p.ends_at, subject.rep_ids))
        rows.append(ThemeRow(p, total, counts))
    return rows


def leading_themes(row: ThemeRow, themes: list[Theme], limit: int = 2) -> list[ThemeCount]:
    """The themes most of the period's complaints are about (for a scorecard's summary)."""
    known = {t.key for t in themes}
    ranked = sorted(
        (c for c in row.counts.values() if c.key in known), key=lambda c: (-c.cases, c.key)
    )
    return ranked[:limit]


def theme_cases(viewer: User, subject: Subject, theme: Theme, period: Period) -> sa.Select:
    """The viewer's visible cases of the subject in the period that are about `theme`,
    exactly those counted in the figure (oldest first)."""
    counted = counted_cases(period.starts_at, period.ends_at, subject.rep_ids).subquery()
    with_theme = sa.select(CaseTheme.case_id).where(CaseTheme.theme_id == theme.id)
    return (
        visible_cases_query(viewer)
        .where(Case.id.in_(sa.select(counted.c.id)), Case.id.in_(with_theme))
        .options(sa.orm.joinedload(Case.customer), sa.orm.joinedload(Case.assigned_rep))
        .order_by(Case.created_at)
    )


def theme_by_key(key: str) -> Theme | None:
    return next((t for t in all_themes() if t.key == key), None)
