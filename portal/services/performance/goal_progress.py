"""How far along each goal is: its figure so far, where it should be by today (pacing), a
forecast to its end, milestones, and its figure in the periods before (portal/metrics/
pacing.py defines the rules).

A goal of one period reads the rolled-up record of that period; a goal over several periods
computes its figure over the whole time so far from the facts (metrics/coaching.py), as a
period's figures are computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics import coaching as windows
from portal.metrics import pacing
from portal.metrics.definitions import GOAL_METRICS
from portal.metrics.periods import Period
from portal.models import Goal, User, utcnow
from portal.models.performance import subject_key
from portal.services.performance.records import records_for, trend

HISTORY_LENGTH = 6


@dataclass
class GoalProgress:
    goal: Goal
    period: Period  # the first period of the goal
    current: float | None
    met: bool | None  # the figure so far reaches the target (None: no figure yet)
    subject: str
    end: date = None  # the first day after the goal's time
    pace: pacing.Pace | None = None
    milestones: list[tuple[date, float]] = field(default_factory=list)
    history: list[tuple[Period, float | None]] = field(default_factory=list)

    @property
    def metric(self):
        return GOAL_METRICS[self.goal.metric]

    @property
    def progress(self) -> int:
        """0-100 for a progress bar: how much of the target is reached."""
        if self.current is None:
            return 0
        target = self.goal.target
        if self.metric.higher_is_better:
            return 100 if target <= 0 else max(0, min(100, round(100 * self.current / target)))
        return 100 if self.current <= target else max(0, round(100 * target / self.current))

    @property
    def expected_mark(self) -> int | None:
        """0-100 on the same bar: where the figure should be by today."""
        if self.pace is None or self.pace.expected is None or self.pace.elapsed >= 1:
            return None
        expected, target = self.pace.expected, self.goal.target
        if self.metric.higher_is_better:
            return 100 if target <= 0 else max(0, min(100, round(100 * expected / target)))
        return 100 if expected <= target else max(0, round(100 * target / expected))

    @property
    def status(self) -> str:
        return self.pace.status if self.pace else "No figure yet"

    @property
    def at_risk(self) -> bool:
        return self.status in ("At risk", "Missed")

    @property
    def label(self) -> str:
        if self.goal.span > 1:
            last = self.period
            for _ in range(self.goal.span - 1):
                last = last.next()
            return f"{self.period.label} to {last.label}"
        return self.period.label


def goal_end(goal: Goal) -> Period:
    """The goal's last period."""
    last = Period(goal.period, goal.period_start)
    for _ in range(max(goal.span, 1) - 1):
        last = last.next()
    return last


def rep_ids_of(goal: Goal) -> list[int]:
    if goal.rep_id:
        return [goal.rep_id]
    return list(
        db.session.scalars(
            sa.select(User.id).where(User.team_id == goal.team_id, User.role == "rep")
        )
    )


def parsed_milestones(goal: Goal) -> list[tuple[date, float]]:
    return sorted(
        (date.fromisoformat(m["on"]), float(m["target"])) for m in (goal.milestones or [])
    )


def progress_of(goals: list[Goal], now: datetime | None = None, *, history: bool = False):
    """Each goal against its subject's figure so far, with its pace; with `history`, the
    figure of the HISTORY_LENGTH periods before the goal."""
    now = now or utcnow()
    out = []
    for goal in goals:
        first = Period(goal.period, goal.period_start)
        last = goal_end(goal)
        subject = (
            subject_key("rep", goal.rep_id) if goal.rep_id else subject_key("team", goal.team_id)
        )
        if goal.span <= 1:
            record = records_for([subject], first).get(subject)
            current = (record.metrics if record else {}).get(goal.metric)
        elif now < first.starts_at:
            current = None
        else:
            window = windows.progress_window(first.start, last.end, now)
            current = windows.figure(goal.metric, None, rep_ids_of(goal), window, now)
        before_record = records_for([subject], first.previous()).get(subject)
        before = (before_record.metrics if before_record else {}).get(goal.metric)
        metric = GOAL_METRICS[goal.metric]
        milestones = parsed_milestones(goal)
        the_pace = pacing.pace(
            unit=metric.unit,
            higher_is_better=metric.higher_is_better,
            current=current,
            target=goal.target,
            before=before,
            elapsed=pacing.elapsed_share(first.starts_at, last.ends_at, now),
            milestones=pacing.milestone_shares(milestones, first.start, last.end),
        )
        met = pacing.reaches(current, goal.target, metric.higher_is_better)
        progress = GoalProgress(goal, first, current, met, subject, last.end, the_pace, milestones)
        if history:
            periods = [first.previous()]
            while len(periods) < HISTORY_LENGTH:
                periods.insert(0, periods[0].previous())
            progress.history = [(p, m.get(goal.metric)) for p, m in trend(subject, periods)]
        out.append(progress)
    return out
