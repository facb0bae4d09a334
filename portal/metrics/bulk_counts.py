"""The sales and survey counts of every subject (rep, team, everyone) in every period of a
span, for the rollup's rebuild (metrics/bulk.py): a million survey answers are counted by
PostgreSQL in a few GROUP BY statements, not loaded into Python once per period.

On PostgreSQL: one statement per table, each row of it counted in its week, month and
quarter (a LATERAL list of the three buckets) and grouped by GROUPING SETS (rep, team,
everyone). Other databases (SQLite: tests, small installs) load the rows once and count them
in Python with the same tallies. Either way the figures are those of `definitions.compute`
(tests/performance/test_rebuild.py compares them).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from datetime import UTC, date, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.definitions import InvitationFact, ResponseFact, SaleFact
from portal.metrics.facts import responses_query
from portal.metrics.periods import period_start
from portal.metrics.stats import RETURN_WINDOW
from portal.metrics.tallies import (
    CSAT_SATISFIED,
    DETRACTOR_MAX,
    PROMOTER_MIN,
    SalesTally,
    SurveyTally,
)
from portal.models import Sale, SurveyInvitation, SurveyResponse
from portal.models.coaching import PERIODS
from portal.models.performance import subject_key

Key = tuple[str, date, str]  # (period kind, period start, subject)


def buckets(moment: datetime) -> list[tuple[str, date]]:
    """The (kind, start) of the week, month and quarter holding `moment` (UTC)."""
    day = moment.astimezone(UTC).date()
    return [(kind, period_start(kind, day)) for kind in PERIODS]


def count(start: datetime, end: datetime, team_of: dict[int, int | None]):
    """({key: SalesTally}, {key: SurveyTally}) of the facts in [start, end)."""
    if db.engine.dialect.name == "postgresql":
        return _count_in_sql(start, end)
    return _count_in_python(start, end, team_of)


# --- PostgreSQL --------------------------------------------------------------------------------
def _lateral(moment: str) -> str:
    """Each row once per period kind (its index in PERIODS: integers sort faster than text),
    with the start of the period holding `moment` (a UTC timestamp without zone)."""
    rows = ", ".join(
        f"({i}, date_trunc('{kind}', {moment})::date)" for i, kind in enumerate(PERIODS)
    )
    return f"CROSS JOIN LATERAL (VALUES {rows}) AS b(kind, start)"


_WINDOW = f"interval '{int(RETURN_WINDOW.total_seconds())} seconds'"

# Each sale with whether its customer bought again within 90 days (a window over the
# customer's purchases), then counted per period and subject. GROUPING(rep_id, team_id,
# currency): bit 1 set for the row of every currency together; >> 1 gives 0 for a rep's row,
# 2 a team's, 3 everyone's.
_SALES = f"""
WITH s AS (
    SELECT rep_id, customer_id, currency COLLATE "C" AS currency, amount, sold_at,
           count(*) OVER (
               PARTITION BY customer_id ORDER BY sold_at
               RANGE BETWEEN interval '1 microsecond' FOLLOWING AND {_WINDOW} FOLLOWING
           ) > 0 AS again
    FROM sales
    WHERE sold_at >= :start AND sold_at < :end + {_WINDOW}
)
SELECT b.kind, b.start, GROUPING(s.rep_id, u.team_id, s.currency) AS level, s.rep_id,
       u.team_id, s.currency, count(*), sum(s.amount), count(DISTINCT s.customer_id),
       count(DISTINCT s.customer_id) FILTER (WHERE s.again)
FROM s LEFT JOIN users u ON u.id = s.rep_id
{_lateral("(s.sold_at AT TIME ZONE 'UTC')")}
WHERE s.sold_at < :end
GROUP BY b.kind, b.start, GROUPING SETS (
    (s.rep_id, u.team_id, s.currency), (u.team_id, s.currency), (s.currency),
    (s.rep_id, u.team_id), (u.team_id), ()
)
"""  # noqa: S608  (our own constants, no input)

# Surveys are first counted per day and rep (a few hundred thousand rows at most), then the
# days per period and subject. GROUPING(rep_id, team_id): 0 a rep's row, 2 a team's, 3 all.
_BY_DAY = f"""
SELECT b.kind, b.start, GROUPING(d.rep_id, u.team_id) AS level, d.rep_id, u.team_id, {{sums}}
FROM d LEFT JOIN users u ON u.id = d.rep_id
{_lateral("d.day::timestamp")}
GROUP BY b.kind, b.start, GROUPING SETS ((d.rep_id, u.team_id), (u.team_id), ())
"""  # noqa: S608  (our own constants, no input)

_INVITATIONS = """
WITH d AS (
    SELECT (i.sent_at AT TIME ZONE 'UTC')::date AS day, s.rep_id,
           count(*) AS n0, count(r.id) AS n1
    FROM survey_invitations i
    JOIN sales s ON s.id = i.sale_id
    LEFT JOIN survey_responses r ON r.invitation_id = i.id
    WHERE i.kind = 'post_sale' AND i.sent_at >= :start AND i.sent_at < :end
    GROUP BY 1, 2
)
""" + _BY_DAY.format(sums="sum(n0), sum(n1)")  # noqa: S608

_satisfied = ", ".join(str(score) for score in CSAT_SATISFIED)
_RESPONSES = f"""
WITH d AS (
    SELECT (r.submitted_at AT TIME ZONE 'UTC')::date AS day, s.rep_id,
           count(*) AS n0, count(r.satisfaction) AS n1, coalesce(sum(r.satisfaction), 0) AS n2,
           count(*) FILTER (WHERE r.satisfaction IN ({_satisfied})) AS n3,
           count(r.recommend) AS n4,
           count(*) FILTER (WHERE r.recommend >= {PROMOTER_MIN}) AS n5,
           count(*) FILTER (WHERE r.recommend <= {DETRACTOR_MAX}) AS n6
    FROM survey_responses r
    JOIN survey_invitations i ON i.id = r.invitation_id
    JOIN sales s ON s.id = i.sale_id
    WHERE i.kind = 'post_sale' AND r.submitted_at >= :start AND r.submitted_at < :end
    GROUP BY 1, 2
)
""" + _BY_DAY.format(sums=", ".join(f"sum(n{i})" for i in range(7)))  # noqa: S608


def _subject(level: int, rep_id, team_id) -> str | None:
    """The subject of a grouped row (None: the group of no rep, or of reps in no team)."""
    if level == 0:
        return None if rep_id is None else subject_key("rep", rep_id)
    if level == 2:
        return None if team_id is None else subject_key("team", team_id)
    return "all"


def _count_in_sql(start: datetime, end: datetime):
    run = db.session.execute
    params = {"start": start, "end": end}
    run(sa.text("SET LOCAL work_mem = '256MB'"))  # the grouping sorts stay in memory
    sales: dict[Key, SalesTally] = defaultdict(SalesTally)
    for kind, begins, level, rep, team, currency, n, cents, buyers, again in run(
        sa.text(_SALES), params
    ):
        subject = _subject(level >> 1, rep, team)
        if subject is None:
            continue
        tally = sales[(PERIODS[kind], begins, subject)]
        if level & 1:  # every currency together
            tally.count, tally.customers, tally.returning = n, buyers, again
        else:
            tally.cents[currency] = int(cents)
            tally.customers_by_currency[currency] = buyers
    surveys: dict[Key, SurveyTally] = defaultdict(SurveyTally)
    for kind, begins, level, rep, team, sent, answered in run(sa.text(_INVITATIONS), params):
        if (subject := _subject(level, rep, team)) is not None:
            tally = surveys[(PERIODS[kind], begins, subject)]
            tally.sent, tally.answered = int(sent), int(answered)
    for kind, begins, level, rep, team, *counts in run(sa.text(_RESPONSES), params):
        if (subject := _subject(level, rep, team)) is not None:
            tally = surveys[(PERIODS[kind], begins, subject)]
            (
                tally.answers,
                tally.ratings,
                tally.rating_sum,
                tally.satisfied,
                tally.recommends,
                tally.promoters,
                tally.detractors,
            ) = (int(n) for n in counts)
    return dict(sales), dict(surveys)


# --- any other database: the rows once, counted in Python ----------------------------------
def _subjects(rep_id, team_of) -> list[str]:
    subjects = ["all"]
    if rep_id is not None:
        subjects.append(subject_key("rep", rep_id))
        if team_of.get(rep_id) is not None:
            subjects.append(subject_key("team", team_of[rep_id]))
    return subjects


def _count_in_python(start: datetime, end: datetime, team_of):
    rows = db.session.execute(
        sa.select(
            Sale.id, Sale.rep_id, Sale.customer_id, Sale.sold_at, Sale.amount, Sale.currency
        ).where(Sale.sold_at >= start, Sale.sold_at < end + RETURN_WINDOW)
    ).all()
    moments: dict[int, list[datetime]] = defaultdict(list)
    for r in rows:
        moments[r.customer_id].append(r.sold_at)
    for found in moments.values():
        found.sort()
    sales: dict[Key, list] = defaultdict(list)
    for r in rows:
        if r.sold_at >= end:
            continue
        later = moments[r.customer_id]
        i = bisect_right(later, r.sold_at)
        fact = SaleFact(
            r.id,
            r.rep_id,
            r.customer_id,
            r.sold_at,
            int(r.amount * 100),
            r.currency,
            next_purchase_at=later[i] if i < len(later) else None,
        )
        for bucket in buckets(r.sold_at):
            for subject in _subjects(r.rep_id, team_of):
                sales[(*bucket, subject)].append(fact)
    sent, answers = _survey_rows(start, end, team_of)
    return (
        {key: SalesTally.of(facts) for key, facts in sales.items()},
        {key: SurveyTally.of(sent.get(key, []), answers.get(key, [])) for key in sent | answers},
    )


def _survey_rows(start, end, team_of):
    post_sale = sa.and_(SurveyInvitation.kind == "post_sale")
    sent: dict[Key, list] = defaultdict(list)
    for i, rep, at, answer in db.session.execute(
        sa.select(SurveyInvitation.id, Sale.rep_id, SurveyInvitation.sent_at, SurveyResponse.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(post_sale, SurveyInvitation.sent_at >= start, SurveyInvitation.sent_at < end)
    ):
        fact = InvitationFact(i, rep, at, answer is not None)
        for bucket in buckets(at):
            for subject in _subjects(rep, team_of):
                sent[(*bucket, subject)].append(fact)
    answers: dict[Key, list] = defaultdict(list)
    for row in db.session.execute(responses_query(start, end)):
        fact = ResponseFact(*row)
        for bucket in buckets(fact.submitted_at):
            for subject in _subjects(fact.rep_id, team_of):
                answers[(*bucket, subject)].append(fact)
    return sent, answers
