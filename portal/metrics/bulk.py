"""Every period's performance records at once: the rollup's rebuild and its daily refresh.

Computing one period at a time (rollup.compute_period) loads that period's facts: each sale,
answer and case again for its week, its month and its quarter, and each case's business
hours again every time. At a million answers that took many minutes. Here:

- sales and surveys are counted by the database for every period and subject in a few
  statements (bulk_counts.py);
- each case's facts (hours, holders, purchases after) are computed once, and so is each
  case as each of its reps and teams counts it (holders.for_subject); then every period
  takes the cases that touch it;
- the records are written in one INSERT of many rows, in the same transaction as the
  delete of the old ones: a page sees the old figures or the new, never none.

The figures are those of `compute_period` (tests/performance/test_rebuild.py).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.bulk_counts import buckets, count
from portal.metrics.definitions import CheckinFact, figures
from portal.metrics.facts import (
    CASE_COLUMNS,
    RESOLVED_STATUSES,
    Calendars,
    case_facts,
    case_rows_query,
    purchases_by_customer,
)
from portal.metrics.holders import for_subject
from portal.metrics.periods import Period
from portal.metrics.stats import RETURN_WINDOW
from portal.metrics.tallies import SalesTally, SurveyTally
from portal.models import Checkin, User
from portal.models.performance import PerformanceRecord, subject_key

PeriodKey = tuple[str, date]
_WINDOW = f"interval '{int(RETURN_WINDOW.total_seconds())} seconds'"


class _Subjects:
    """Per period: the cases and check-ins of everyone, of each rep and of each team."""

    def __init__(self):
        self.all: dict[PeriodKey, list] = defaultdict(list)
        self.rep: dict[PeriodKey, dict[int, list]] = defaultdict(lambda: defaultdict(list))
        self.team: dict[PeriodKey, dict[int, list]] = defaultdict(lambda: defaultdict(list))


def compute_periods(periods: list[Period], now: datetime, calendars=None) -> dict:
    """{(kind, start): {subject: (rep_id, team_id, metrics)}}, as compute_period gives each."""
    if not periods:
        return {}
    start = min(p.starts_at for p in periods)
    end = max(p.ends_at for p in periods)
    wanted = {(p.kind, p.start): p for p in periods}
    team_of = dict(db.session.execute(sa.select(User.id, User.team_id)).all())
    sales, surveys = count(start, end, team_of)
    cases = _cases(start, end, wanted, team_of, calendars or Calendars())
    checkins = _checkins(start, end, wanted, team_of)
    reps_seen: dict[PeriodKey, set[int]] = defaultdict(set)
    for kind, begins, subject in (*sales, *surveys):
        if subject.startswith("rep:"):
            reps_seen[(kind, begins)].add(int(subject[4:]))
    results = {}
    for key, period in wanted.items():
        reps = reps_seen[key] | set(cases.rep[key]) | set(checkins.rep[key])
        teams = {team_of[r] for r in reps if team_of.get(r) is not None}

        def metrics(subject, case_list, checkin_list, key=key, period=period):
            return figures(
                sales.get((*key, subject)) or SalesTally(),
                surveys.get((*key, subject)) or SurveyTally(),
                case_list,
                checkin_list,
                period,
                now,
            )

        found = {"all": (None, None, metrics("all", cases.all[key], checkins.all[key]))}
        for rep in reps:
            found[subject_key("rep", rep)] = (
                rep,
                team_of.get(rep),
                metrics(subject_key("rep", rep), cases.rep[key][rep], checkins.rep[key][rep]),
            )
        for team in teams:
            found[subject_key("team", team)] = (
                None,
                team,
                metrics(subject_key("team", team), cases.team[key][team], checkins.team[key][team]),
            )
        results[key] = found
    return results


def _cases(start, end, wanted, team_of, calendars) -> _Subjects:
    """Each case's facts once; each period gets the cases with a moment in it (as
    facts.case_rows_query picks them), as everyone, each rep and each team counts them."""
    rows = db.session.execute(case_rows_query(start, end).with_only_columns(*CASE_COLUMNS)).all()
    subjects = _Subjects()
    facts = case_facts(rows, calendars, _after_resolution(end))
    for row, fact in zip(rows, facts, strict=True):
        moments = (
            row.created_at,
            row.first_contact_at,
            row.resolved_at,
            row.first_contact_due,
            row.resolve_due,
        )
        keys = {b for m in moments if m is not None for b in buckets(m) if b in wanted}
        if not keys:
            continue
        reps = fact.reps
        as_rep = {rep: for_subject(fact, {rep}) for rep in reps}
        by_team: dict[int, set[int]] = defaultdict(set)
        for rep in reps:
            if team_of.get(rep) is not None:
                by_team[team_of[rep]].add(rep)
        as_team = {team: for_subject(fact, members) for team, members in by_team.items()}
        for key in keys:
            subjects.all[key].append(fact)
            for rep, case in as_rep.items():
                subjects.rep[key][rep].append(case)
            for team, case in as_team.items():
                subjects.team[key][team].append(case)
    return subjects


# Each sale within 90 days after a resolution of its customer's case (once, however many).
_AFTER_RESOLUTION = f"""
SELECT DISTINCT s.id, s.customer_id, s.sold_at, s.currency, s.amount
FROM cases c
JOIN sales s ON s.customer_id = c.customer_id
    AND s.sold_at > c.resolved_at AND s.sold_at <= c.resolved_at + {_WINDOW}
WHERE c.status IN {RESOLVED_STATUSES!r} AND c.resolved_at < :end
"""  # noqa: S608  (our own constants, no input)


def _after_resolution(end):
    """What facts.case_facts looks up for the resolved cases (each customer's purchases, and
    sales with their amounts, sorted), on PostgreSQL only those in the 90 days after one of
    the customer's resolutions: the rest of a year of sales changes no figure (the figures
    look no further). None elsewhere: case_facts looks them up."""
    if db.engine.dialect.name != "postgresql":
        return None
    purchases: dict[int, list] = defaultdict(list)
    amounts: dict[int, list] = defaultdict(list)
    rows = db.session.execute(sa.text(_AFTER_RESOLUTION), {"end": end})
    for _, customer_id, sold_at, currency, cents in rows:
        sold_at = sold_at.astimezone(UTC)
        purchases[customer_id].append(sold_at)
        amounts[customer_id].append((sold_at, currency, int(cents)))
    for found in (*purchases.values(), *amounts.values()):
        found.sort()
    return purchases, amounts


def _checkins(start, end, wanted, team_of) -> _Subjects:
    rows = db.session.execute(
        sa.select(Checkin.id, Checkin.rep_id, Checkin.customer_id, Checkin.at).where(
            Checkin.at >= start, Checkin.at < end
        )
    ).all()
    subjects = _Subjects()
    if not rows:
        return subjects
    later = purchases_by_customer(
        {r.customer_id for r in rows},
        min(r.at for r in rows),
        max(r.at for r in rows) + RETURN_WINDOW,
    )
    for r in rows:
        fact = CheckinFact(
            r.id,
            r.rep_id,
            r.customer_id,
            r.at,
            purchases_after=tuple(m for m in later.get(r.customer_id, ()) if m > r.at),
        )
        for key in (b for b in buckets(r.at) if b in wanted):
            subjects.all[key].append(fact)
            if r.rep_id is not None:
                subjects.rep[key][r.rep_id].append(fact)
                if team_of.get(r.rep_id) is not None:
                    subjects.team[key][team_of[r.rep_id]].append(fact)
    return subjects


def store_periods(periods: list[Period], now: datetime, calendars=None) -> int:
    """Recompute these periods and replace their rows in one transaction (rows of other
    periods stay). Returns the number of rows written."""
    results = compute_periods(periods, now, calendars)
    for kind in {p.kind for p in periods}:
        db.session.execute(
            sa.delete(PerformanceRecord).where(
                PerformanceRecord.period == kind,
                PerformanceRecord.period_start.in_([p.start for p in periods if p.kind == kind]),
            )
        )
    rows = [
        {
            "subject": subject,
            "rep_id": rep_id,
            "team_id": team_id,
            "period": kind,
            "period_start": begins,
            "metrics": metrics,
            "computed_at": now,
        }
        for (kind, begins), found in results.items()
        for subject, (rep_id, team_id, metrics) in found.items()
    ]
    if rows:
        db.session.execute(sa.insert(PerformanceRecord), rows)
    db.session.commit()
    return len(rows)
