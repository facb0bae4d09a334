"""The dashboard's CSV exports: one row per case, and one row per rep and period. The rows
are written (and every cell guarded) by portal.csv_export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa

from portal.dashboard.board import rep_ids_of
from portal.extensions import db
from portal.metrics import definitions as d
from portal.metrics.facts import Calendars, load_facts
from portal.metrics.periods import Period
from portal.models import Case, User
from portal.models.performance import PerformanceRecord
from portal.services.scope import visible_cases_query, visible_reps_query

CASE_COLUMNS = [
    "case_id",
    "opened_at",
    "rep",
    "team",
    "severity",
    "status",
    "first_contact_due",
    "first_contact_at",
    "first_contact_hours",
    "first_contact_on_time",
    "resolve_due",
    "resolved_at",
    "resolution_hours",
    "resolved_on_time",
    "reopen_count",
    "outcome",
    "satisfaction_before",
    "satisfaction_after",
    "customer_bought_again_90d",
]
# Money figures are per currency ("1200.00 SEK; 80.00 EUR"), the others one number each.
MONEY_COLUMNS = [name for name, m in d.METRICS.items() if m.unit == "money"]
METRIC_COLUMNS = [name for name, m in d.METRICS.items() if m.unit != "money"]
REP_COLUMNS = ["period", "period_start", "rep", "email", "team", *MONEY_COLUMNS, *METRIC_COLUMNS]


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _yes_no(decision) -> str:
    return "" if decision[1] is None else ("yes" if decision[1] else "no")


def case_rows(user: User, period: Period, now: datetime, team_id: int | None) -> Iterator[list]:
    """Cases opened in the period, in `user`'s scope, with the figures the metrics use: rows of
    CASE_COLUMNS."""
    reps = rep_ids_of(user, None, team_id)
    facts = {c.id: c for c in load_facts(period, now, reps, Calendars()).cases}
    opened = [i for i, c in facts.items() if d.opened_in(c, period)]
    cases = db.session.scalars(
        visible_cases_query(user)
        .where(Case.id.in_(opened))
        .options(sa.orm.joinedload(Case.assigned_rep).joinedload(User.team))
        .order_by(Case.created_at)
    )

    def row(case: Case):
        fact = facts[case.id]
        rep = case.assigned_rep
        return [
            case.id,
            _iso(case.created_at),
            rep.name if rep else "triage",
            rep.team.name if rep and rep.team else "",
            case.severity,
            case.status,
            _iso(case.first_contact_due),
            _iso(case.first_contact_at),
            _round(fact.first_contact_hours),
            _yes_no(d.first_contact_deadline(fact, now)),
            _iso(case.resolve_due),
            _iso(fact.resolved_at),
            _round(fact.resolution_hours),
            _yes_no(d.resolution_deadline(fact, now)),
            case.reopen_count,
            case.outcome or "",
            _blank(case.satisfaction_before),
            _blank(case.satisfaction_after),
            ("yes" if d.recovered(fact) else "no") if fact.resolved_at else "",
        ]

    return (row(c) for c in cases)


def rep_rows(user: User, kind: str, team_id: int | None) -> Iterator[list]:
    """Every rep-period record of `kind` for the reps in `user`'s scope: rows of REP_COLUMNS."""
    reps = visible_reps_query(user)
    if team_id is not None:
        reps = reps.where(User.team_id == team_id)
    names = {u.id: u for u in db.session.scalars(reps.options(sa.orm.joinedload(User.team)))}
    records = db.session.execute(
        sa.select(
            PerformanceRecord.rep_id, PerformanceRecord.period_start, PerformanceRecord.metrics
        )
        .where(
            PerformanceRecord.period == kind,
            PerformanceRecord.rep_id.in_(list(names)),
            PerformanceRecord.subject.like("rep:%"),
        )
        .order_by(PerformanceRecord.period_start, PerformanceRecord.rep_id)
    )

    def row(rep_id, start, metrics):
        rep = names[rep_id]
        money = [
            "; ".join(f"{v:.2f} {c}" for c, v in (metrics.get(name) or {}).items())
            for name in MONEY_COLUMNS
        ]
        return [
            Period(kind, start).label,
            start.isoformat(),
            rep.name,
            rep.email,
            rep.team.name if rep.team else "",
            *money,
            *(_round(metrics.get(name)) for name in METRIC_COLUMNS),
        ]

    return (row(*r) for r in records)


def _round(value):
    return "" if value is None else round(value, 4)


def _blank(value):
    return "" if value is None else value
