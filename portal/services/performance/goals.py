"""Goals and coaching notes: who may set them, and how far along each goal is."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.metrics.definitions import GOAL_METRICS
from portal.metrics.periods import Period, period_of
from portal.models import CoachingNote, Goal, Team, User, utcnow
from portal.models.performance import subject_key
from portal.services.performance.records import records_for
from portal.services.rules import RuleError
from portal.services.scope import managed_team_ids, visible_reps_query

MAX_NOTE_LENGTH = 4000


def teams_in_scope(user: User) -> list[Team]:
    query = sa.select(Team).order_by(Team.name)
    if not user.is_admin:
        query = query.where(Team.id.in_(managed_team_ids(user)))
    return list(db.session.scalars(query))


def reps_in_scope(user: User) -> list[User]:
    return list(db.session.scalars(visible_reps_query(user).order_by(User.name)))


def visible_rep(user: User, rep_id: int) -> User | None:
    return db.session.scalar(visible_reps_query(user).where(User.id == rep_id))


def set_goal(
    manager: User,
    *,
    subject: str,
    metric: str,
    target: float,
    period: str,
    start,
) -> Goal:
    """A goal for a rep ("rep:<id>") or a team ("team:<id>") the manager answers for.

    `target` is as shown to people: a percentage for shares (90 for 90%), hours, a score.
    """
    if metric not in GOAL_METRICS:
        raise RuleError(f"Choose a metric from the list (not {metric!r}).")
    kind, _, raw_id = subject.partition(":")
    if kind not in ("rep", "team") or not raw_id.isdigit():
        raise RuleError("Choose a rep or a team from the list.")
    if kind == "rep" and visible_rep(manager, int(raw_id)) is None:
        raise RuleError("You can set goals only for reps in your teams.")
    if kind == "team" and int(raw_id) not in {t.id for t in teams_in_scope(manager)}:
        raise RuleError("You can set goals only for teams you manage.")
    try:
        the_period = period_of(period, start)
    except ValueError as exc:
        raise RuleError(str(exc)) from None
    stored = check_target(metric, target)
    goal = Goal(
        rep_id=int(raw_id) if kind == "rep" else None,
        team_id=int(raw_id) if kind == "team" else None,
        metric=metric,
        target=stored,
        period=the_period.kind,
        period_start=the_period.start,
        created_by_id=manager.id,
    )
    db.session.add(goal)
    db.session.commit()
    return goal


def check_target(metric: str, target: float, field: str | None = None) -> float:
    """A target as people type it (90 for 90%) checked for the metric, and as it is stored
    (0.9). For goals and coaching plans."""
    unit = GOAL_METRICS[metric].unit
    if not math.isfinite(target):
        raise RuleError("Enter the target as a number, e.g. 90 for 90%.", field)
    if unit == "share" and not 0 <= target <= 100:
        raise RuleError("A percentage target must be between 0 and 100.", field)
    if unit == "score" and not 1 <= target <= 5:
        raise RuleError("A satisfaction target must be between 1 and 5.", field)
    if unit in ("hours", "per100") and target < 0:
        raise RuleError("The target cannot be negative.", field)
    return target / 100 if unit == "share" else target


def goals_query(user: User) -> sa.Select:
    """Goals of the reps and teams `user` may see."""
    query = sa.select(Goal)
    if user.is_admin:
        return query
    reps = visible_reps_query(user).with_only_columns(User.id)
    if user.is_manager:
        return query.where(sa.or_(Goal.rep_id.in_(reps), Goal.team_id.in_(managed_team_ids(user))))
    teams = [user.team_id] if user.team_id else []
    return query.where(sa.or_(Goal.rep_id == user.id, Goal.team_id.in_(teams)))


def list_goals(user: User, limit: int = 200) -> list[Goal]:
    query = goals_query(user).order_by(Goal.period_start.desc(), Goal.id.desc()).limit(limit)
    return list(db.session.scalars(query))


def delete_goal(manager: User, goal_id: int) -> bool:
    goal = db.session.scalar(goals_query(manager).where(Goal.id == goal_id))
    if goal is None or manager.is_rep:
        return False
    db.session.delete(goal)
    db.session.commit()
    return True


@dataclass
class GoalProgress:
    goal: Goal
    period: Period
    current: float | None
    met: bool | None  # None: no figure yet
    subject: str

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
    def status(self) -> str:
        if self.met is None:
            return "No figure yet"
        return "On track" if self.met else "At risk"


def progress_of(goals: list[Goal], now: datetime | None = None) -> list[GoalProgress]:
    """Each goal against the rolled-up figure of its subject and period."""
    now = now or utcnow()
    out = []
    for goal in goals:
        period = Period(goal.period, goal.period_start)
        if goal.rep_id:
            subject = subject_key("rep", goal.rep_id)
        else:
            subject = subject_key("team", goal.team_id)
        record = records_for([subject], period).get(subject)
        current = (record.metrics if record else {}).get(goal.metric)
        met = None
        if current is not None:
            better = GOAL_METRICS[goal.metric].higher_is_better
            met = current >= goal.target if better else current <= goal.target
        out.append(GoalProgress(goal, period, current, met, subject))
    return out


def add_note(manager: User, rep_id: int, text: str) -> CoachingNote:
    text = (text or "").strip()
    if not text:
        raise RuleError("Write the note before saving it.")
    if len(text) > MAX_NOTE_LENGTH:
        raise RuleError(f"Keep the note under {MAX_NOTE_LENGTH} characters.")
    if manager.is_rep or visible_rep(manager, rep_id) is None:
        raise RuleError("You can write notes only for reps in your teams.")
    note = CoachingNote(manager_id=manager.id, rep_id=rep_id, text=text)
    db.session.add(note)
    db.session.flush()
    # The rep hears of it (issue 14: notes went unnoticed), after the commit.
    outbox.add("coaching_mail.notify_rep_of_note", note.id, family="mail")
    db.session.commit()
    outbox.flush()
    return note


def notes_for(rep_id: int) -> list[CoachingNote]:
    return list(
        db.session.scalars(
            sa.select(CoachingNote)
            .where(CoachingNote.rep_id == rep_id)
            .order_by(CoachingNote.created_at.desc())
            .limit(50)
        )
    )
