"""The rollup: performance records per rep, per team and for everyone, per period.

`refresh_current` (this week, month and quarter) and `refresh_recent` (every period whose
figures can still change) are the periodic jobs' work; `rebuild` recomputes every period from
the first fact to now. All replace a period's rows in one transaction, so a page never sees
half a period, and running any of them twice is harmless.

`compute_period` computes one period from its facts; `refresh_recent` and `rebuild` compute
many periods at once (metrics/bulk.py) to the same figures.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.bulk import store_periods
from portal.metrics.definitions import Facts, compute
from portal.metrics.facts import Calendars, load_facts
from portal.metrics.holders import for_subject
from portal.metrics.periods import Period, period_of, periods_between
from portal.metrics.stats import RETURN_WINDOW
from portal.models import Case, Sale, SurveyInvitation, User, utcnow
from portal.models.coaching import PERIODS
from portal.models.performance import PerformanceRecord, subject_key

# Figures of a period change while its facts can still change: cases get resolved, and the
# 90-day "bought again" window of recovery and repeat purchases is still open.
STILL_CHANGING = RETURN_WINDOW + timedelta(days=7)


def compute_period(period: Period, now: datetime, calendars: Calendars | None = None) -> dict:
    """{subject: (rep_id, team_id, metrics)} for every rep and team with facts, and "all"."""
    facts = load_facts(period, now, calendars=calendars)
    team_of = dict(db.session.execute(sa.select(User.id, User.team_id)).all())
    rep_ids = {
        row.rep_id
        for rows in (facts.sales, facts.invitations, facts.responses, facts.checkins)
        for row in rows
        if row.rep_id is not None
    }
    rep_ids.update(rep for case in facts.cases for rep in case.reps)
    team_reps: dict[int, set[int]] = defaultdict(set)
    for rep_id in rep_ids:
        if team_of.get(rep_id) is not None:
            team_reps[team_of[rep_id]].add(rep_id)
    by_rep = _split_by_rep(facts)
    results = {"all": (None, None, compute(facts))}
    for rep_id in rep_ids:
        results[subject_key("rep", rep_id)] = (rep_id, team_of.get(rep_id), compute(by_rep[rep_id]))
    for team_id, members in team_reps.items():
        results[subject_key("team", team_id)] = (None, team_id, compute(facts.only(members)))
    return results


def _split_by_rep(facts):
    """facts.only(rep) for every rep in one pass (300 reps x 1M rows would be slow)."""

    split: dict[int, Facts] = defaultdict(lambda: Facts(facts.period, facts.now, [], [], [], []))
    for name in ("sales", "invitations", "responses", "checkins"):
        for row in getattr(facts, name):
            if row.rep_id is not None:
                getattr(split[row.rep_id], name).append(row)
    # A case counts for its seller and for each rep who held it, each for their own part
    # (definitions.for_subject): complaints and satisfaction to the seller, times by holding.
    for case in facts.cases:
        for rep_id in case.reps:
            split[rep_id].cases.append(for_subject(case, {rep_id}))
    return split


def store_period(period: Period, now: datetime | None = None, calendars=None) -> int:
    """Recompute one period and replace its rows. Returns the number of rows written."""
    now = now or utcnow()
    results = compute_period(period, now, calendars)
    db.session.execute(
        sa.delete(PerformanceRecord).where(
            PerformanceRecord.period == period.kind,
            PerformanceRecord.period_start == period.start,
        )
    )
    db.session.add_all(
        PerformanceRecord(
            subject=subject,
            rep_id=rep_id,
            team_id=team_id,
            period=period.kind,
            period_start=period.start,
            metrics=metrics,
            computed_at=now,
        )
        for subject, (rep_id, team_id, metrics) in results.items()
    )
    db.session.commit()
    return len(results)


def _store_all(periods: Iterable[Period], now: datetime, progress: Callable | None) -> int:
    calendars = Calendars()
    written = 0
    for period in periods:
        written += store_period(period, now, calendars)
        if progress:
            progress(period)
    return written


def current_periods(now: datetime) -> list[Period]:
    return [period_of(kind, now) for kind in PERIODS]


def settling_periods(now: datetime) -> list[Period]:
    """Every period whose figures may still change (the 90-day purchase windows)."""
    return [p for kind in PERIODS for p in periods_between(kind, now - STILL_CHANGING, now)]


def refresh_current(now: datetime | None = None) -> int:
    """Every 10 minutes: this week, month and quarter."""
    now = now or utcnow()
    return _store_all(current_periods(now), now, None)


def refresh_recent(now: datetime | None = None) -> int:
    """Daily: every period whose figures may still change."""
    now = now or utcnow()
    return store_periods(settling_periods(now), now)


def all_periods(now: datetime) -> list[Period]:
    """Every period from the first fact (sale, survey or case) to now."""
    first = min(
        (
            moment
            for moment in (
                db.session.scalar(sa.select(sa.func.min(Sale.sold_at))),
                db.session.scalar(sa.select(sa.func.min(SurveyInvitation.sent_at))),
                db.session.scalar(sa.select(sa.func.min(Case.created_at))),
            )
            if moment is not None
        ),
        default=None,
    )
    if first is None:
        return []
    if first.tzinfo is None:  # min() over SQLite text comes back naive
        first = datetime.fromisoformat(str(first)).replace(tzinfo=UTC)
    return [p for kind in PERIODS for p in periods_between(kind, first, now)]


def rebuild(now: datetime | None = None) -> int:
    """Recompute every period from the facts; rows of periods with no facts are removed.
    One transaction: pages read the old records until the new ones are in."""
    now = now or utcnow()
    db.session.execute(sa.delete(PerformanceRecord))
    return store_periods(all_periods(now), now)
