"""Reading the performance records (the rollup), and showing their figures.

Pages read these rows only, never the facts: a period's figures for a list of subjects is one
indexed query, however many sales and answers are behind them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.definitions import METRICS
from portal.metrics.periods import Period
from portal.models.performance import PerformanceRecord
from portal.money import format_amounts


def records_for(subjects: list[str], period: Period) -> dict[str, PerformanceRecord]:
    """{subject: record} of one period (subjects with no facts have no record)."""
    if not subjects:
        return {}
    rows = db.session.scalars(
        sa.select(PerformanceRecord).where(
            PerformanceRecord.period == period.kind,
            PerformanceRecord.period_start == period.start,
            PerformanceRecord.subject.in_(subjects),
        )
    )
    return {row.subject: row for row in rows}


def metrics_for(subjects: list[str], period: Period) -> dict[str, dict]:
    """{subject: metrics} of one period: the two columns only, for a table of many subjects
    (no record objects to build and track)."""
    if not subjects:
        return {}
    rows = db.session.execute(
        sa.select(PerformanceRecord.subject, PerformanceRecord.metrics).where(
            PerformanceRecord.period == period.kind,
            PerformanceRecord.period_start == period.start,
            PerformanceRecord.subject.in_(subjects),
        )
    )
    return dict(rows.all())


def trend(subject: str, periods: list[Period]) -> list[tuple[Period, dict]]:
    """The subject's metrics over these periods (of one kind), oldest first; {} when none."""
    rows = db.session.execute(
        sa.select(PerformanceRecord.period_start, PerformanceRecord.metrics).where(
            PerformanceRecord.subject == subject,
            PerformanceRecord.period == periods[0].kind,
            PerformanceRecord.period_start.in_([p.start for p in periods]),
        )
    )
    found = dict(rows.all())
    return [(p, found.get(p.start) or {}) for p in periods]


def computed_at(period: Period) -> datetime | None:
    return db.session.scalar(
        sa.select(sa.func.max(PerformanceRecord.computed_at)).where(
            PerformanceRecord.period == period.kind,
            PerformanceRecord.period_start == period.start,
        )
    )


def format_value(value, unit: str) -> str:
    """A figure as people read it: 90%, 4.2 h, 3.8 / 5, +1.5, 33."""
    if value is None or value == {}:
        return "\u2013"  # an en dash: no figure
    if unit == "share":
        percent = 100 * value
        return f"{percent:.0f}%" if abs(percent - round(percent)) < 0.05 else f"{percent:.1f}%"
    if unit == "hours":
        return f"{value:.1f} h"
    if unit == "score":
        return f"{value:.2f} / 5"
    if unit == "change":
        return f"{value:+.2f}"
    if unit in ("nps", "per100"):
        return f"{value:.1f}"
    if unit == "money":
        return format_amounts(value)
    return f"{value:,}"


# Recovery is known for a customer once they bought again or their 90 days have passed: a
# period whose customers are all still inside the window has no figure yet, which is not 0%.
TOO_EARLY = "too early to tell"


def format_metric(name: str, metrics: dict | None) -> str:
    metrics = metrics or {}
    if name == "recovery_rate" and metrics.get(name) is None and metrics.get("recovery_pending"):
        return TOO_EARLY
    return format_value(metrics.get(name), METRICS[name].unit)


def chart_number(value, unit: str):
    """The number a chart plots (shares in percent); None where there is no figure."""
    if value is None:
        return None
    return round(100 * value, 1) if unit == "share" else round(value, 2)
