"""The weekly digest each manager gets: the team's figures, the goals at risk, the breaches,
the coaching plans due."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.metrics.periods import Period, period_of
from portal.metrics.rollup import store_period
from portal.models import Case, CoachingPlan, Goal, Team, User
from portal.models.performance import subject_key
from portal.services.checkins.due import OVERDUE_AFTER, overdue_count
from portal.services.performance.goal_progress import GoalProgress, goal_end, progress_of
from portal.services.performance.goals import goals_query
from portal.services.performance.plans import plans_due
from portal.services.performance.records import computed_at, records_for
from portal.services.scope import managed_team_ids
from portal.urls import external_url

FIGURES = (
    "sales_count",
    "csat",
    "nps",
    "cases_opened",
    "first_contact_median_hours",
    "first_contact_within_sla",
    "resolution_median_hours",
    "resolution_within_sla",
    "recovery_rate",
)
MAX_BREACHES_LISTED = 15
PLANS_DUE_WITHIN = timedelta(days=14)


@dataclass
class TeamWeek:
    team: Team
    metrics: dict
    previous: dict


@dataclass
class Digest:
    manager: User
    week: Period
    teams: list[TeamWeek]
    at_risk: list[GoalProgress]
    breaches: list[Case]
    breach_count: int
    # Links for the email: each listed case, and where each goal at risk is followed (the
    # rep's scorecard of the goal's period, or the goals page for a team goal).
    case_links: dict[int, str] = field(default_factory=dict)
    goal_links: dict[int, str] = field(default_factory=dict)
    # Active coaching plans of the team's reps due within PLANS_DUE_WITHIN, or overdue.
    plans_due: list[CoachingPlan] = field(default_factory=list)
    today: date | None = None
    # Check-ins of the teams' customers due more than OVERDUE_AFTER ago (services/checkins/).
    checkins_overdue: int = 0
    overdue_days: int = OVERDUE_AFTER.days


def digest_week(now: datetime) -> Period:
    """The last complete week."""
    return period_of("week", now).previous()


def managers_to_notify() -> list[User]:
    managers = db.session.scalars(
        sa.select(User).where(User.role == "manager", User.active).order_by(User.id)
    )
    return [m for m in managers if managed_team_ids(m)]


def build_digest(manager: User, week: Period, now: datetime) -> Digest:
    stamp = computed_at(week)
    if stamp is None or stamp < week.ends_at:  # the week's figures are not final yet
        store_period(week, now)
    team_ids = managed_team_ids(manager)
    teams = list(db.session.scalars(sa.select(Team).where(Team.id.in_(team_ids))))
    subjects = [subject_key("team", t.id) for t in teams]
    this, before = records_for(subjects, week), records_for(subjects, week.previous())
    rows = [
        TeamWeek(
            team,
            getattr(this.get(subject_key("team", team.id)), "metrics", {}),
            getattr(before.get(subject_key("team", team.id)), "metrics", {}),
        )
        for team in teams
    ]
    current = [
        g
        for g in db.session.scalars(goals_query(manager).where(Goal.period_start <= week.end))
        if goal_end(g).end >= week.end
    ]
    at_risk = [p for p in progress_of(current, now) if p.at_risk]
    members = sa.select(User.id).where(User.team_id.in_(team_ids))

    def breached_in(column):
        return sa.and_(column >= week.starts_at, column < week.ends_at)

    breach_query = sa.select(Case).where(
        Case.assigned_rep_id.in_(members),
        sa.or_(breached_in(Case.first_contact_breached_at), breached_in(Case.resolve_breached_at)),
    )
    count = db.session.scalar(breach_query.with_only_columns(sa.func.count(Case.id)))
    breaches = list(
        db.session.scalars(
            breach_query.options(sa.orm.joinedload(Case.assigned_rep))
            .order_by(Case.created_at)
            .limit(MAX_BREACHES_LISTED)
        )
    )
    rep_ids = list(db.session.scalars(members.where(User.role == "rep")))
    member_ids = set(db.session.scalars(members))
    overdue = overdue_count(member_ids, now) if member_ids else 0
    due = plans_due(rep_ids, (now + PLANS_DUE_WITHIN).date())
    return Digest(
        manager,
        week,
        rows,
        at_risk,
        breaches,
        count or 0,
        case_links={case.id: external_url("cases.show", case_id=case.id) for case in breaches},
        goal_links={p.goal.id: _goal_link(p) for p in at_risk},
        plans_due=due,
        today=now.date(),
        checkins_overdue=overdue,
    )


def _goal_link(progress: GoalProgress) -> str:
    goal = progress.goal
    if goal.rep_id is None:
        return external_url("dashboard.goals_page")
    return external_url(
        "dashboard.rep_scorecard",
        rep_id=goal.rep_id,
        period=goal.period,
        start=goal.period_start.isoformat(),
    )
