"""A rep's scorecard: their figures, goals, trend, place on the team leaderboard, notes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.definitions import METRICS
from portal.metrics.periods import Period
from portal.models import CoachingNote, Goal, User
from portal.models.performance import subject_key
from portal.services.performance import goal_progress
from portal.services.performance import goals as goal_service
from portal.services.performance.goal_progress import goal_end
from portal.services.performance.records import chart_number, records_for, trend

TILES = (
    "sales_count",
    "revenue",
    "response_rate",
    "satisfaction_avg",
    "csat",
    "nps",
    "complaints_per_100_sales",
    "first_contact_median_hours",
    "first_contact_p90_hours",
    "first_contact_within_sla",
    "resolution_median_hours",
    "resolution_within_sla",
    "resolution_satisfaction",
    "satisfaction_change",
    "recovery_rate",
    "repeat_purchase_rate",
    "revenue_per_customer",
    "checkins_done",
    "repeat_after_checkin_rate",
    "recovery_revenue",
)
TREND = ("csat", "first_contact_within_sla", "resolution_within_sla", "recovery_rate")
RANKABLE = ("csat", "nps", "first_contact_within_sla", "recovery_rate", "sales_count")
TREND_LENGTH = 8


@dataclass
class Standing:
    rank: int | None  # None: the rep has no figure to rank
    of: int
    rows: list[tuple[int | None, str, object, bool]]  # (rank, name, value, is_the_rep)


@dataclass
class Scorecard:
    rep: User
    period: Period
    metrics: dict
    team_metrics: dict
    goals: list[goal_progress.GoalProgress]
    trend: list[tuple[Period, dict]]
    chart: dict
    standing: Standing
    rank_by: str
    notes: list[CoachingNote]
    can_coach: bool


def _overlapping_goals(rep: User, period: Period) -> list[Goal]:
    whose = Goal.rep_id == rep.id
    if rep.team_id is not None:
        whose = sa.or_(whose, Goal.team_id == rep.team_id)
    goals = db.session.scalars(
        sa.select(Goal).where(whose, Goal.period_start < period.end).order_by(Goal.metric)
    )
    return [g for g in goals if goal_end(g).end > period.start]


def standing(rep: User, viewer: User, period: Period, metric: str) -> Standing:
    """The rep's place among their team's reps on `metric` (ties share a rank)."""
    team = list(
        db.session.scalars(
            sa.select(User).where(User.role == "rep", User.team_id == rep.team_id, User.active)
        )
    ) if rep.team_id else [rep]  # fmt: skip
    if rep not in team:
        team.append(rep)
    records = records_for([subject_key("rep", r.id) for r in team], period)
    better_high = METRICS[metric].higher_is_better is not False
    scored = []
    for member in team:
        record = records.get(subject_key("rep", member.id))
        scored.append((member, (record.metrics if record else {}).get(metric)))
    ranked = sorted(
        [s for s in scored if s[1] is not None], key=lambda s: s[1], reverse=better_high
    )
    rows, rank_of, previous = [], {}, object()
    for position, (member, value) in enumerate(ranked, start=1):
        rank = rows[-1][0] if value == previous else position
        previous = value
        rank_of[member.id] = rank
        rows.append((rank, _name(member, rep, viewer), value, member.id == rep.id))
    rows += [(None, _name(m, rep, viewer), None, m.id == rep.id) for m, v in scored if v is None]
    return Standing(rank_of.get(rep.id), len(team), rows)


def _name(member: User, rep: User, viewer: User) -> str:
    """A rep sees their own name; their teammates' stay private to managers."""
    if viewer.is_rep and member.id != viewer.id:
        return "A teammate"
    return member.name


def build(rep: User, period: Period, now: datetime, viewer: User, rank_by: str = "csat"):
    rank_by = rank_by if rank_by in RANKABLE else "csat"
    subject = subject_key("rep", rep.id)
    subjects = [subject] + ([subject_key("team", rep.team_id)] if rep.team_id else [])
    records = records_for(subjects, period)
    periods = [period]
    while len(periods) < TREND_LENGTH:
        periods.insert(0, periods[0].previous())
    history = trend(subject, periods)
    chart = {
        "labels": [p.label for p, _ in history],
        "series": [
            {
                "label": METRICS[name].label + " (%)",
                "data": [chart_number(m.get(name), METRICS[name].unit) for _, m in history],
            }
            for name in TREND
        ],
    }
    return Scorecard(
        rep=rep,
        period=period,
        metrics=(records.get(subject) or _Empty).metrics,
        team_metrics=(records.get(subjects[-1]) or _Empty).metrics if rep.team_id else {},
        goals=goal_progress.progress_of(_overlapping_goals(rep, period), now, history=True),
        trend=history,
        chart=chart,
        standing=standing(rep, viewer, period, rank_by),
        rank_by=rank_by,
        notes=goal_service.notes_for(rep.id),
        can_coach=not viewer.is_rep,
    )


class _Empty:
    metrics: dict = {}
