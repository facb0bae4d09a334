"""Goals and coaching notes: who may set them, and how far along each goal is."""

from __future__ import annotations

import math
from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.metrics.definitions import GOAL_METRICS
from portal.metrics.periods import period_of
from portal.models import CoachingNote, Goal, Team, User
from portal.services import audit
from portal.services.rules import RuleError
from portal.services.scope import managed_team_ids, visible_reps_query

MAX_NOTE_LENGTH = 4000
MAX_SPAN = 12


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
    span: int = 1,
    milestones: str | None = None,
) -> Goal:
    """A goal for a rep ("rep:<id>") or a team ("team:<id>") the manager answers for, over
    `span` periods in a row, with milestones ("2026-12-15=40; 2027-01-15=70") on the way.

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
    if not 1 <= span <= MAX_SPAN:
        raise RuleError(f"A goal runs over 1 to {MAX_SPAN} periods in a row.", "span")
    end = the_period
    for _ in range(span - 1):
        end = end.next()
    marks = parse_milestones(metric, milestones, the_period.start, end.end)
    goal = Goal(
        rep_id=int(raw_id) if kind == "rep" else None,
        team_id=int(raw_id) if kind == "team" else None,
        metric=metric,
        target=stored,
        period=the_period.kind,
        period_start=the_period.start,
        span=span,
        milestones=marks or None,
        created_by_id=manager.id,
    )
    db.session.add(goal)
    db.session.commit()
    return goal


def parse_milestones(metric: str, raw: str | None, start: date, end: date) -> list[dict]:
    """'2026-12-15=40; 2027-01-15=70' -> [{"on": "2026-12-15", "target": 40}, ...] with each
    value checked (and stored) as a target, each date inside the goal's time."""
    marks = []
    for part in (raw or "").replace(",", ";").split(";"):
        part = part.strip()
        if not part:
            continue
        day_text, _, value_text = part.partition("=")
        try:
            day = date.fromisoformat(day_text.strip())
            value = float(value_text)
        except ValueError:
            raise RuleError(
                f"Write each milestone as date=target, e.g. 2026-12-15=40 (not {part!r}).",
                "milestones",
            ) from None
        if not start < day < end:
            raise RuleError(
                f"Milestone {day.isoformat()} is not inside the goal's time "
                f"({start.isoformat()} to {end.isoformat()}).",
                "milestones",
            )
        marks.append({"on": day.isoformat(), "target": check_target(metric, value, "milestones")})
    return sorted(marks, key=lambda m: m["on"])


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
    audit.record(
        "goal.deleted",
        goal,
        before=audit.snapshot(
            goal, ("rep_id", "team_id", "metric", "target", "period", "period_start")
        ),
        actor=manager,
        label=f"{goal.metric} {goal.period} {goal.period_start}",
    )
    db.session.delete(goal)
    db.session.commit()
    return True


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
