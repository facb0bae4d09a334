"""Who sees what: the one definition of a user's scope over reps and cases."""

from __future__ import annotations

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, Team, User


def managed_team_ids(user: User) -> list[int]:
    """Teams a manager answers for: those they lead, and their own team."""
    ids = set(db.session.scalars(sa.select(Team.id).where(Team.lead_id == user.id)))
    if user.team_id is not None:
        ids.add(user.team_id)
    return sorted(ids)


def _managed_team_ids_query(user: User) -> sa.Select:
    """managed_team_ids as a subquery: no round trip of its own in every scoped query."""
    return sa.select(Team.id).where(sa.or_(Team.lead_id == user.id, Team.id == user.team_id))


def visible_reps_query(user: User) -> sa.Select:
    """Reps whose work `user` may see: themselves (rep), their teams (manager), all (admin)."""
    query = sa.select(User).where(User.role == "rep")
    if user.is_admin:
        return query
    if user.is_manager:
        return query.where(User.team_id.in_(_managed_team_ids_query(user)))
    return query.where(User.id == user.id)


def visible_cases_query(user: User) -> sa.Select:
    """Cases `user` may see. A manager also sees the unassigned (triage) cases."""
    query = sa.select(Case)
    if user.is_admin:
        return query
    if user.is_manager:
        reps = sa.select(User.id).where(User.team_id.in_(_managed_team_ids_query(user)))
        return query.where(sa.or_(Case.assigned_rep_id.in_(reps), Case.assigned_rep_id.is_(None)))
    return query.where(Case.assigned_rep_id == user.id)


def visible_case_ids(user: User, ids) -> set[int]:
    """Which of these case ids `user` may see (a "#123" in a note links only to those)."""
    query = visible_cases_query(user).with_only_columns(Case.id).where(Case.id.in_(sorted(ids)))
    return set(db.session.scalars(query))
