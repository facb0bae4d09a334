"""Cover while a rep is away: from the first moment of their absence (`User.away_from`, or
at once) until they are back (`User.away_until`), their stand-in holds their cases, and the
cases come back when they return.

- `settle_cover(case, now)`: one case to its rightful holder now: to the stand-in while its
  rep is away (the case remembers whom it covers for: `Case.covering_for_id`, shown as
  "covering for ..."), back to the rep once they are back. A customer's reply and a follow-up
  reopening call it before the rep is emailed, so neither reaches someone who is away.
- `sweep_cover(now)` (periodic job "cover.sweep_cover", and right after an admin saves an
  absence, `refresh_cover_of`): every open case of an away rep to the stand-in, every covered
  case of a returned rep back.

Every move is a timeline event ("cover_started", "cover_ended") whose `data["rep_id"]` is the
new holder, like "assigned": the holding periods that the metrics split time by
(portal/metrics/holders.py). Idempotent and safe with several workers: a case is moved only
while it is still in the state that calls for the move, one commit per case, and the case's
version column refuses the second of two concurrent moves (that worker rolls back and skips).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, User
from portal.models.case import OPEN_STATUSES

COVER_STARTED = "cover_started"
COVER_ENDED = "cover_ended"


def available_stand_in(rep: User, now: datetime) -> User | None:
    """`rep`'s stand-in, if active and not away themselves."""
    stand_in = rep.stand_in
    if stand_in is None or not stand_in.active or stand_in.is_away(now):
        return None
    return stand_in


def _move(case: Case, to: User, kind: str, message: str, now: datetime) -> None:
    before = case.assigned_rep
    case.assigned_rep = to
    if case.is_open:
        case.rep_notified_at = None  # the new holder is told, once (notify_case_assigned)
        outbox.add("triage.notify_case_assigned", case.id, family="mail")
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind="system",
            kind=kind,
            message=message,
            data={
                "rep_id": to.id,
                "from_rep_id": before.id if before else None,
                "covering_for_id": case.covering_for_id,
            },
            created_at=now,
        )
    )


def settle_cover(case: Case, now: datetime, *, reopening: bool = False) -> bool:
    """Hand `case` to the stand-in of its away holder, or back to its returned rep, in the
    current transaction (not committed). True when it moved. A closed case moves only when
    it is `reopening` (the follow-up's "no"): then the new holder is the one emailed."""
    away_rep = case.covering_for
    if away_rep is not None and not away_rep.is_away(now):
        return _hand_back(case, away_rep, now)
    holder = case.assigned_rep
    if holder is None or not (case.is_open or reopening) or not holder.is_away(now):
        return False
    stand_in = available_stand_in(holder, now)
    if stand_in is None:
        return False
    covered = away_rep or holder  # a stand-in who goes away passes on the original rep's case
    case.covering_for = covered
    until = f" until {covered.away_until:%Y-%m-%d}" if covered.away_until else ""
    _move(
        case,
        stand_in,
        COVER_STARTED,
        f"{stand_in.name} covers for {holder.name}, who is away{until}.",
        now,
    )
    return True


def _hand_back(case: Case, rep: User, now: datetime) -> bool:
    holder = case.assigned_rep
    case.covering_for = None
    if holder is rep or not rep.active:
        return False  # only the marker goes (committed by the caller); the case stays
    by = f" from {holder.name}" if holder else ""
    _move(case, rep, COVER_ENDED, f"Back to {rep.name}{by}: {rep.name} has returned.", now)
    return True


def _settle_and_commit(case_id: int, now: datetime) -> bool:
    case = db.session.get(Case, case_id)
    try:
        moved = case is not None and settle_cover(case, now)
        db.session.commit()
    except StaleDataError:
        # Another worker (or a person) changed the case at the same moment: theirs stands.
        db.session.rollback()
        return False
    return moved


def away_now(now: datetime):
    """SQL: the user is away at `now` (as `User.is_away`), for queries over many users."""
    return sa.and_(User.away_until > now, sa.or_(User.away_from.is_(None), User.away_from <= now))


def _cases_to_settle(now: datetime, rep_ids: list[int] | None = None) -> list[int]:
    held_by_away = (
        sa.select(Case.id)
        .join(User, User.id == Case.assigned_rep_id)
        .where(Case.status.in_(OPEN_STATUSES), away_now(now), User.stand_in_id.is_not(None))
    )
    covered_back = (
        sa.select(Case.id)
        .join(User, User.id == Case.covering_for_id)
        .where(sa.or_(User.away_until.is_(None), User.away_until <= now, User.away_from > now))
    )
    if rep_ids is not None:
        held_by_away = held_by_away.where(Case.assigned_rep_id.in_(rep_ids))
        covered_back = covered_back.where(Case.covering_for_id.in_(rep_ids))
    ids = sorted(set(db.session.scalars(held_by_away)) | set(db.session.scalars(covered_back)))
    db.session.rollback()
    return ids


def sweep_cover(now: datetime) -> int:
    """Move every case whose holder is away to the stand-in, and every covered case of a rep
    who is back to them. Returns how many moved; running it again moves none."""
    moved = sum(_settle_and_commit(case_id, now) for case_id in _cases_to_settle(now))
    outbox.flush()
    return moved


def refresh_cover_of(user: User, now: datetime) -> int:
    """After an admin saves `user`'s absence: their cases move now, not at the next sweep."""
    ids = _cases_to_settle(now, [user.id])
    moved = sum(_settle_and_commit(case_id, now) for case_id in ids)
    outbox.flush()
    return moved
