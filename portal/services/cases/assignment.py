"""Who is responsible for a case: handing one case or many to a person (each is told by
email), whom a manager may hand cases to, and the triage queue of cases nobody has yet.

The automatic choice when a case opens is `services/cases/routing.py`; this is the change
managers make by hand. No Flask request state here: the views pass the acting user and time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, User
from portal.models.case import OPEN_STATUSES
from portal.services.cases.rules import StaleCaseError, check_version, required, saving
from portal.services.rules import RuleError
from portal.services.scope import managed_team_ids, visible_cases_query
from portal.services.sla.deadlines import deadlines_for_case

ASSIGNABLE_ROLES = ("rep", "manager")


@dataclass(frozen=True)
class Assignee:
    user: User
    open_cases: int

    @property
    def label(self) -> str:
        team = self.user.team.name if self.user.team else "no team"
        role = " (manager)" if self.user.is_manager else ""
        return f"{self.user.name}{role} · {team} · {self.open_cases} open"


def _assignable_query(actor: User) -> sa.Select:
    query = sa.select(User).where(
        User.active.is_(True),
        User.role.in_(ASSIGNABLE_ROLES),
        # A manager sees the cases of their team's members: one in no team would not see
        # a case given to them.
        sa.or_(User.role == "rep", User.team_id.is_not(None)),
    )
    if not actor.is_admin:
        # A manager hands cases only to people whose cases they can still see.
        query = query.where(User.team_id.in_(managed_team_ids(actor)))
    return query


def assignees(actor: User) -> list[Assignee]:
    """Whom `actor` may give a case to, by name, with how many open cases each has (counted
    for those people by id: the queue shows this list on every page)."""
    users = list(
        db.session.scalars(
            _assignable_query(actor).options(joinedload(User.team)).order_by(User.name, User.id)
        )
    )
    open_counts = (
        dict(
            db.session.execute(
                sa.select(Case.assigned_rep_id, sa.func.count())
                .where(
                    Case.status.in_(OPEN_STATUSES),
                    Case.assigned_rep_id.in_([user.id for user in users]),
                )
                .group_by(Case.assigned_rep_id)
            ).all()
        )
        if users
        else {}
    )
    return [Assignee(user, open_counts.get(user.id, 0)) for user in users]


def _assignee(actor: User, user_id: int | None) -> User:
    user = (
        db.session.scalar(_assignable_query(actor).where(User.id == user_id))
        if user_id is not None
        else None
    )
    if user is None:
        raise RuleError("Choose an active rep or manager from the list.", "assignee")
    return user


def _assign(case: Case, actor: User, user: User, reason: str, now: datetime) -> None:
    """Hand one (loaded, checked) case to `user`, in the current transaction."""
    if not case.is_open:
        raise RuleError(
            f"Case #{case.id} is {case.status}: only open cases are assigned.", "assignee"
        )
    if case.assigned_rep_id == user.id:
        raise RuleError(f"Case #{case.id} is already assigned to {user.name}.", "assignee")
    before = case.assigned_rep
    case.assigned_rep = user
    case.rep_notified_at = None  # the new assignee is told, once (see notify_case_assigned)
    if case.resolve_due is None or (case.first_contact_due is None and case.contact_wanted):
        due = deadlines_for_case(case, case.created_at)
        case.first_contact_due, case.resolve_due = due.first_contact_due, due.resolve_due
    moved = (
        f"Reassigned from {before.name} to {user.name}" if before else f"Assigned to {user.name}"
    )
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="staff",
            actor_id=actor.id,
            kind="assigned",
            message=f"{moved} by {actor.name}: {reason}",
            data={"rep_id": user.id, "from_rep_id": before.id if before else None},
            created_at=now,
        )
    )
    outbox.add("triage.notify_case_assigned", case.id, family="mail")


def assign_case(
    case: Case, actor: User, user_id: int | None, reason: str, version: int | None, now: datetime
) -> User:
    """Make `user_id` responsible for the case and queue their email. Committed, then the
    email job is enqueued."""
    check_version(case, version)
    user = _assignee(actor, user_id)
    reason = required(reason, "Say why: it goes in the timeline.", "reason")
    with saving():
        _assign(case, actor, user, reason, now)
    outbox.flush()
    return user


def assign_many(
    actor: User,
    picked: list[tuple[int, int]],
    user_id: int | None,
    reason: str,
    now: datetime,
    *,
    within: sa.Select | None = None,
) -> tuple[User, list[int]]:
    """Assign every picked (case id, version) to one person, each with its own event; all or
    nothing. A case outside `actor`'s scope is refused by number; one that changed since the
    page was rendered, or left `within` (the list it was picked from, e.g. the triage queue),
    is refused as stale. Committed, then the emails are enqueued."""
    if not picked:
        raise RuleError("Tick at least one case to assign.", "cases")
    user = _assignee(actor, user_id)
    reason = required(reason, "Say why: it goes in the timeline of each case.", "reason")
    versions = dict(picked)
    ids = list(versions)
    visible = set(
        db.session.scalars(
            visible_cases_query(actor).with_only_columns(Case.id).where(Case.id.in_(ids))
        )
    )
    outside = [case_id for case_id in ids if case_id not in visible]
    if outside:
        numbers = ", ".join(f"#{case_id}" for case_id in outside)
        raise RuleError(
            f"You may not assign {numbers}: not among your team's cases. Nothing was assigned.",
            "cases",
        )
    query = within if within is not None else visible_cases_query(actor)
    cases = {
        case.id: case
        for case in db.session.scalars(
            query.where(Case.id.in_(ids)).options(joinedload(Case.assigned_rep))
        )
    }
    for case_id, version in picked:
        case = cases.get(case_id)
        if case is None or case.version != version:
            db.session.rollback()
            raise StaleCaseError(
                f"Case #{case_id} was changed by someone else since you opened the page; "
                "reload it. Nothing was assigned."
            )
    with saving():
        for case_id in versions:
            _assign(cases[case_id], actor, user, reason, now)
    outbox.flush()
    return user, ids


def assign_from_triage(
    actor: User, picked: list[tuple[int, int]], user_id: int | None, reason: str, now: datetime
) -> tuple[User, list[int]]:
    """Assign picked cases that are still in the triage queue (see assign_many)."""
    return assign_many(actor, picked, user_id, reason, now, within=triage_query(actor))


def triage_query(user: User) -> sa.Select:
    """Open cases nobody is responsible for, oldest first, that `user` may see."""
    return (
        visible_cases_query(user)
        .where(Case.assigned_rep_id.is_(None), Case.status.in_(OPEN_STATUSES))
        .order_by(Case.created_at, Case.id)
    )


def triage_count(user: User) -> int:
    query = triage_query(user).order_by(None).with_only_columns(sa.func.count(Case.id))
    return db.session.scalar(query) or 0
