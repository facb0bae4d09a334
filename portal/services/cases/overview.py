"""The figures on each role's home page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Customer, Sale, SurveyInvitation, SurveyResponse, Team, User
from portal.models.case import OPEN_STATUSES
from portal.services.scope import managed_team_ids, visible_cases_query


def is_overdue(case: Case, now: datetime) -> bool:
    if case.status == "waiting":  # its clock is paused (services/cases/waiting.py)
        return False
    due = case.next_due
    return due is not None and due < now


@dataclass
class RepOverview:
    open_cases: list[Case]
    open_count: int
    overdue_count: int
    recent_answers: list[tuple[SurveyResponse, Sale]]
    sales_30d: int
    avg_satisfaction_30d: float | None


def rep_overview(rep: User, now: datetime) -> RepOverview:
    open_query = visible_cases_query(rep).where(Case.status.in_(OPEN_STATUSES))
    cases = list(db.session.scalars(open_query.options(sa.orm.joinedload(Case.customer))))
    cases.sort(key=lambda c: (c.next_due is None, c.next_due or now))
    answers = db.session.execute(
        sa.select(SurveyResponse, Sale)
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .where(Sale.rep_id == rep.id)
        .options(sa.orm.joinedload(Sale.customer))
        .order_by(SurveyResponse.submitted_at.desc())
        .limit(8)
    ).all()
    since = now - timedelta(days=30)
    sales_30d = db.session.scalar(
        sa.select(sa.func.count(Sale.id)).where(Sale.rep_id == rep.id, Sale.sold_at >= since)
    )
    avg = db.session.scalar(
        sa.select(sa.func.avg(SurveyResponse.satisfaction))
        .join(SurveyInvitation, SurveyResponse.invitation_id == SurveyInvitation.id)
        .join(Sale, SurveyInvitation.sale_id == Sale.id)
        .where(Sale.rep_id == rep.id, SurveyResponse.submitted_at >= since)
    )
    return RepOverview(
        open_cases=cases[:10],
        open_count=len(cases),
        overdue_count=sum(is_overdue(c, now) for c in cases),
        recent_answers=[tuple(row) for row in answers],
        sales_30d=sales_30d or 0,
        avg_satisfaction_30d=float(avg) if avg is not None else None,
    )


@dataclass
class RepRow:
    rep: User
    open_count: int
    overdue_count: int
    uncontacted_count: int


@dataclass
class TeamOverview:
    teams: list[Team]
    rows: list[RepRow]
    triage_count: int
    oldest_uncontacted: Case | None


def team_overview(manager: User, now: datetime) -> TeamOverview:
    team_ids = managed_team_ids(manager) if not manager.is_admin else None
    reps_query = sa.select(User).where(User.role == "rep").order_by(User.name)
    teams_query = sa.select(Team).order_by(Team.name)
    if team_ids is not None:
        reps_query = reps_query.where(User.team_id.in_(team_ids))
        teams_query = teams_query.where(Team.id.in_(team_ids))
    reps = list(db.session.scalars(reps_query))
    open_cases = list(
        db.session.scalars(
            visible_cases_query(manager)
            .where(Case.status.in_(OPEN_STATUSES))
            .options(sa.orm.joinedload(Case.customer))
        )
    )
    rows = []
    for rep in reps:
        mine = [c for c in open_cases if c.assigned_rep_id == rep.id]
        rows.append(
            RepRow(
                rep=rep,
                open_count=len(mine),
                overdue_count=sum(is_overdue(c, now) for c in mine),
                uncontacted_count=sum(c.awaits_first_contact for c in mine),
            )
        )
    uncontacted = [c for c in open_cases if c.awaits_first_contact]
    return TeamOverview(
        teams=list(db.session.scalars(teams_query)),
        rows=rows,
        triage_count=sum(c.assigned_rep_id is None for c in open_cases),
        oldest_uncontacted=min(uncontacted, key=lambda c: c.created_at, default=None),
    )


def portal_counts() -> dict[str, int]:
    count = lambda model: db.session.scalar(sa.select(sa.func.count()).select_from(model))  # noqa: E731
    return {
        "users": count(User),
        "teams": count(Team),
        "customers": count(Customer),
        "sales": count(Sale),
        "cases": count(Case),
        "answers": count(SurveyResponse),
    }
