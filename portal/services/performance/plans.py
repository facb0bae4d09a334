"""Coaching plans: made by a rep's manager, about one figure, with a baseline taken when the
plan is made, a target, a due date and check-ins; they end met or not met with the figure:
when the manager ends them, or by themselves the day after their due date (end_due_plans,
hourly), when the rep and the manager are emailed the result. On each check-in date both are
reminded (check_ins_on).

Who may do what: a manager (or admin) makes, ends and writes check-in notes on plans of the
reps they may see (services/scope.py); a rep sees their own plans only. The rep is emailed
about a new plan and every note (outbox keys "coaching_mail.*").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.jobs import outbox
from portal.metrics import coaching as plan_figures
from portal.metrics.definitions import GOAL_METRICS, METRICS
from portal.models import CoachingNote, CoachingPlan, Theme, User
from portal.services.cases.themes import all_themes
from portal.services.performance.goals import check_target, visible_rep
from portal.services.rules import RuleError
from portal.services.scope import visible_reps_query

MAX_CHECK_INS = 12
NOTIFY_PLAN = "coaching_mail.notify_rep_of_plan"
NOTIFY_NOTE = "coaching_mail.notify_rep_of_note"
NOTIFY_ENDED = "coaching_mail.notify_plan_ended"
# Metrics a plan can address: those with a direction, as goals (no volumes).
PLAN_METRICS = GOAL_METRICS


def focus_choices() -> list[tuple[str, str]]:
    """("metric:<name>" | "theme:<key>", label) for the plan form."""
    metrics = [(f"metric:{n}", m.label) for n, m in PLAN_METRICS.items()]
    themes = [
        (f"theme:{t.key}", f"Complaints about {t.name_en.lower()} (share)")
        for t in all_themes(active_only=True)
    ]
    return metrics + themes


def parse_focus(focus: str) -> tuple[str | None, Theme | None]:
    kind, _, name = (focus or "").partition(":")
    if kind == "metric" and name in PLAN_METRICS:
        return name, None
    if kind == "theme":
        theme = next((t for t in all_themes(active_only=True) if t.key == name), None)
        if theme is not None:
            return None, theme
    raise RuleError("Choose what the plan addresses from the list.", "focus")


def parse_check_ins(raw: str | None, start: date, due: date) -> list[date]:
    days = []
    for part in (raw or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            day = date.fromisoformat(part)
        except ValueError:
            message = f"Write check-in dates like 2027-01-15 (not {part!r})."
            raise RuleError(message, "check_ins") from None
        if not start <= day <= due:
            raise RuleError(
                f"Check-in {day.isoformat()} is not between today and the due date.", "check_ins"
            )
        days.append(day)
    if len(days) > MAX_CHECK_INS:
        raise RuleError(f"At most {MAX_CHECK_INS} check-ins.", "check_ins")
    return sorted(set(days))


def create_plan(
    manager: User,
    rep_id: int,
    *,
    title: str,
    focus: str,
    target: float,
    due_on: date,
    check_ins: str | None,
    now: datetime,
) -> CoachingPlan:
    """A new plan; its baseline is the figure of the BASELINE_DAYS before today. The rep is
    emailed. Committed."""
    rep = visible_rep(manager, rep_id)
    if manager.is_rep or rep is None:
        raise RuleError("You can make plans only for reps in your teams.")
    title = (title or "").strip()
    if not title:
        raise RuleError("Give the plan a title.", "title")
    metric, theme = parse_focus(focus)
    today = now.date()
    if due_on <= today:
        raise RuleError("The due date must be after today.", "due_on")
    days = parse_check_ins(check_ins, today, due_on)
    if theme is not None:
        if not 0 <= target <= 100:
            raise RuleError("A share of complaints is between 0 and 100 (%).", "target")
        stored_target = target / 100
    else:
        stored_target = check_target(metric, target, field="target")
    baseline_window = plan_figures.baseline_window(today)
    baseline = plan_figures.figure(
        metric, theme.key if theme else None, [rep.id], baseline_window, now
    )
    plan = CoachingPlan(
        rep_id=rep.id,
        manager_id=manager.id,
        title=title,
        focus="theme" if theme else "metric",
        metric=metric,
        theme_id=theme.id if theme else None,
        baseline=baseline,
        baseline_from=baseline_window.start,
        target=stored_target,
        started_on=today,
        due_on=due_on,
        check_ins=[d.isoformat() for d in days],
        created_at=now,
    )
    db.session.add(plan)
    db.session.flush()
    outbox.add(NOTIFY_PLAN, plan.id, family="mail")
    db.session.commit()
    outbox.flush()
    return plan


def plans_query(viewer: User) -> sa.Select:
    """Plans of the reps `viewer` may see (a rep: their own)."""
    reps = visible_reps_query(viewer).with_only_columns(User.id)
    return sa.select(CoachingPlan).where(CoachingPlan.rep_id.in_(reps))


def visible_plan(viewer: User, plan_id: int) -> CoachingPlan | None:
    return db.session.scalar(plans_query(viewer).where(CoachingPlan.id == plan_id))


def plans_of(rep_id: int) -> list[CoachingPlan]:
    return list(
        db.session.scalars(
            sa.select(CoachingPlan)
            .where(CoachingPlan.rep_id == rep_id)
            .options(joinedload(CoachingPlan.theme), joinedload(CoachingPlan.manager))
            .order_by(CoachingPlan.status == "active", CoachingPlan.due_on.desc())
        )
    )


@dataclass
class PlanProgress:
    plan: CoachingPlan
    current: float | None
    share: int | None  # 0-100 of the way from baseline to target
    on_target: bool | None
    window: plan_figures.Window

    @property
    def unit(self) -> str:
        return "share" if self.plan.focus == "theme" else METRICS[self.plan.metric].unit

    @property
    def higher_is_better(self) -> bool:
        return plan_figures.higher_is_better(self.plan.metric)

    @property
    def label(self) -> str:
        plan = self.plan
        if plan.focus == "theme":
            name = plan.theme.name_en.lower() if plan.theme else "a former theme"
            return f"Complaints about {name}"
        return METRICS[plan.metric].label

    @property
    def items_done(self) -> int:
        return sum(item.done for item in self.plan.items)


def progress(plan: CoachingPlan, now: datetime) -> PlanProgress:
    """The plan's figure since it started (its final figure once it ended)."""
    window = plan_figures.progress_window(plan.started_on, plan.due_on, now)
    better = plan_figures.higher_is_better(plan.metric)
    if plan.status != "active":
        current = plan.final_value
    else:
        theme_key = plan.theme.key if plan.theme else None
        if plan.focus == "theme" and theme_key is None:
            current = None
        else:
            current = plan_figures.figure(plan.metric, theme_key, [plan.rep_id], window, now)
    return PlanProgress(
        plan,
        current,
        plan_figures.progress_share(plan.baseline, current, plan.target, better),
        plan_figures.reached(current, plan.target, better),
        window,
    )


def end_plan(manager: User, plan: CoachingPlan, now: datetime) -> CoachingPlan:
    """Close the plan as met or not met, with its figure from the start to today (or the due
    date). No figure to count means not met. Committed."""
    if manager.is_rep or visible_plan(manager, plan.id) is None:
        raise RuleError("Only the rep's manager can end the plan.")
    if plan.status != "active":
        raise RuleError("This plan has ended already.")
    _close(plan, now)
    db.session.commit()
    return plan


def _close(plan: CoachingPlan, now: datetime) -> None:
    result = progress(plan, now)
    plan.final_value = result.current
    plan.status = "met" if result.on_target else "not_met"
    plan.ended_at = now


def check_ins_on(day: date) -> list[int]:
    """Active plans with a check-in on this day (ids)."""
    active = db.session.execute(
        sa.select(CoachingPlan.id, CoachingPlan.check_ins).where(
            CoachingPlan.status == "active", CoachingPlan.started_on <= day
        )
    )
    return [plan_id for plan_id, days in active if day.isoformat() in (days or [])]


def end_due_plans(now: datetime) -> int:
    """End every active plan whose due date has passed (UTC), with its figure from the start
    to the due date, and email the rep and the manager the result. How many ended. Committed
    plan by plan; a plan a manager ended meanwhile is left as they ended it."""
    due = db.session.scalars(
        sa.select(CoachingPlan.id).where(
            CoachingPlan.status == "active", CoachingPlan.due_on < now.date()
        )
    ).all()
    ended = 0
    for plan_id in due:
        plan = db.session.get(CoachingPlan, plan_id, with_for_update=True)
        if plan is None or plan.status != "active":
            db.session.rollback()
            continue
        _close(plan, now)
        outbox.add(NOTIFY_ENDED, plan.id, family="mail")
        db.session.commit()
        ended += 1
    outbox.flush()
    return ended


def add_plan_note(manager: User, plan: CoachingPlan, text: str, now: datetime) -> CoachingNote:
    """A manager's note at a check-in; the rep is emailed. Committed."""
    text = (text or "").strip()
    if not text:
        raise RuleError("Write the note before saving it.", "text")
    if manager.is_rep or visible_plan(manager, plan.id) is None:
        raise RuleError("You can write notes only for reps in your teams.")
    note = CoachingNote(
        manager_id=manager.id, rep_id=plan.rep_id, plan_id=plan.id, text=text, created_at=now
    )
    db.session.add(note)
    db.session.flush()
    outbox.add(NOTIFY_NOTE, note.id, family="mail")
    db.session.commit()
    outbox.flush()
    return note


def plan_notes(plan: CoachingPlan) -> list[CoachingNote]:
    return list(
        db.session.scalars(
            sa.select(CoachingNote)
            .where(CoachingNote.plan_id == plan.id)
            .order_by(CoachingNote.created_at.desc())
        )
    )


def plans_due(rep_ids: list[int], before: date) -> list[CoachingPlan]:
    """Active plans of these reps due before `before`, overdue ones too (weekly digest)."""
    return list(
        db.session.scalars(
            sa.select(CoachingPlan)
            .where(
                CoachingPlan.rep_id.in_(rep_ids),
                CoachingPlan.status == "active",
                CoachingPlan.due_on < before,
            )
            .options(joinedload(CoachingPlan.rep))
            .order_by(CoachingPlan.due_on)
        )
    )
