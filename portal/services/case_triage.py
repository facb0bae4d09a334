"""What managers and staff change on a case by hand: the sentiment label, the severity (and with
it the deadlines), who is responsible; and the triage queue they assign from.

No Flask request state here: the views pass the acting user and the time. A change that breaks
a rule raises `CaseRuleError`, naming the form field it concerns. Severity and assignment carry
the case version the form was rendered with: if someone changed the case since, the change is
refused with `StaleCaseError` (a race that slips past that check ends as a `StaleDataError` at
the commit, and becomes the same refusal).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import Case, CaseEvent, Complaint, SentimentCorrection, SurveyResponse, User
from portal.models.case import OPEN_STATUSES, SEVERITIES
from portal.models.survey import SENTIMENT_LABELS
from portal.services.case_corrections import corrections_query  # noqa: F401  (the case views use it here)
from portal.services.escalation import BREACHES
from portal.services.scope import managed_team_ids, visible_cases_query
from portal.services.sla import calendar_for_team, deadlines_for, policy_for

STALE_MESSAGE = (
    "Someone else changed this case since you opened it, so nothing was saved; "
    "reload the page to see what changed"
)
ASSIGNABLE_ROLES = ("rep", "manager")


class CaseRuleError(ValueError):
    """A change someone asked for on a case would break a rule."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class StaleCaseError(CaseRuleError):
    """The case changed since the form was rendered: nothing was saved."""

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)


def can_manage(user: User) -> bool:
    """Managers and admins change severity and assignment, and work the triage queue."""
    return user.is_manager or user.is_admin


@contextmanager
def _saving() -> Iterator[None]:
    """Make the changes of the block and commit them, or none of them. A concurrent change
    of the same case (the UPDATE finds another version: StaleDataError, at the commit or at
    any autoflush before it) becomes the "reload the page" refusal, never a server error."""
    try:
        yield
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise StaleCaseError() from None
    except Exception:
        db.session.rollback()
        raise


def _check_version(case: Case, version: int | None) -> None:
    if version is None or version != case.version:
        raise StaleCaseError()


def _when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "none"


def _required(text: str | None, message: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise CaseRuleError(message, field)
    return text


# --- the analysis --------------------------------------------------------------------------


@dataclass(frozen=True)
class Analysis:
    """What the analyser made of the customer's words, as the case page shows it."""

    source: SurveyResponse | Complaint
    text: str | None
    label: str | None
    polarity: float | None
    reasons: list[str]
    flags: list[str]
    analysed_at: datetime | None
    last_correction: SentimentCorrection | None


def analysed_row(case: Case) -> SurveyResponse | Complaint | None:
    """The survey answer or complaint the case was opened from (None for a staff case)."""
    if case.response_id is not None:
        return db.session.get(SurveyResponse, case.response_id)
    if case.complaint_id is not None:
        return db.session.get(Complaint, case.complaint_id)
    return None


def _analysed_text(row: SurveyResponse | Complaint) -> str | None:
    return row.comment if isinstance(row, SurveyResponse) else row.description


def analysis_for(case: Case) -> Analysis | None:
    row = analysed_row(case)
    if row is None:
        return None
    last = db.session.scalar(
        sa.select(SentimentCorrection)
        .where(SentimentCorrection.case_id == case.id)
        .options(joinedload(SentimentCorrection.corrected_by))
        .order_by(SentimentCorrection.created_at.desc(), SentimentCorrection.id.desc())
        .limit(1)
    )
    return Analysis(
        source=row,
        text=_analysed_text(row),
        label=row.sentiment_label,
        polarity=row.sentiment_polarity,
        reasons=list(row.sentiment_reasons or []),
        flags=list(row.sentiment_flags or []),
        analysed_at=row.analysed_at,
        last_correction=last,
    )


def correct_label(
    case: Case, actor: User, label: str, note: str | None, version: int | None, now: datetime
) -> SentimentCorrection:
    """Record a person's correction of the label, with the evidence as it was; the case no
    longer needs review. Committed."""
    row = analysed_row(case)
    if row is None:
        raise CaseRuleError("This case was opened by staff: there is no analysis to correct.")
    _check_version(case, version)
    if label not in SENTIMENT_LABELS:
        raise CaseRuleError("Choose negative, neutral or positive.", "label")
    old = row.sentiment_label
    if label == old:
        raise CaseRuleError(
            f"The label is already {label}. Choose a different label to correct it.", "label"
        )
    note = (note or "").strip() or None
    correction = SentimentCorrection(
        case_id=case.id,
        text=_analysed_text(row),
        original_label=old,
        original_reasons=list(row.sentiment_reasons or []),
        corrected_label=label,
        note=note,
        corrected_by_id=actor.id,
        created_at=now,
    )
    message = f"Label corrected from {old or 'none'} to {label} by {actor.name}"
    with _saving():
        row.sentiment_label = label
        row.needs_review = False  # a person has looked at it
        case.needs_review = False
        db.session.add_all(
            [
                correction,
                CaseEvent(
                    case_id=case.id,
                    actor_kind="staff",
                    actor_id=actor.id,
                    kind="label_corrected",
                    message=f"{message}: {note}" if note else f"{message}.",
                    data={"from": old, "to": label},
                    created_at=now,
                ),
            ]
        )
    return correction


# --- severity ------------------------------------------------------------------------------


def calendar_team(case: Case):
    """The team whose working calendar counts the case's deadlines: the assigned rep's; for
    a triage case, that of the rep who made the sale (as when the case was opened)."""
    rep = case.assigned_rep or (case.sale.rep if case.sale else None)
    return rep.team if rep is not None else None


@dataclass(frozen=True)
class SeveritySla:
    severity: str
    first_contact: str  # "4 business hours"
    resolve: str


def severity_slas() -> list[SeveritySla]:
    """Each severity with its SLA, so the manager sees what a change means for the deadlines."""
    rows = []
    for severity in SEVERITIES:
        policy = policy_for(severity)
        rows.append(
            SeveritySla(severity, policy.describe("first_contact"), policy.describe("resolve"))
        )
    return rows


def change_severity(
    case: Case, actor: User, severity: str, reason: str, version: int | None, now: datetime
) -> None:
    """Set a new severity and recompute both deadlines from its SLA policy, counted from when
    the case was opened. Committed."""
    _check_version(case, version)
    if severity not in SEVERITIES:
        raise CaseRuleError("Choose a severity from the list.", "severity")
    if severity == case.severity:
        raise CaseRuleError(f"The severity is already {severity}.", "severity")
    reason = _required(reason, "Say why the severity changes: it goes in the timeline.", "reason")
    old = case.severity
    due = deadlines_for(
        policy_for(severity), case.created_at, calendar_for_team(calendar_team(case))
    )
    with _saving():
        case.severity = severity
        case.first_contact_due, case.resolve_due = due.first_contact_due, due.resolve_due
        # A breach of the old deadline that the new one no longer makes is lifted, so that the
        # breach sweep watches the new deadline; a breach that still holds stays recorded.
        lifted = []
        for which, (due_at, done_at, mark) in BREACHES.items():
            if getattr(case, mark) and (getattr(case, done_at) or now) <= getattr(case, due_at):
                setattr(case, mark, None)
                lifted.append(which.replace("_", " "))
        message = (
            f"Severity changed from {old} to {severity} by {actor.name}: {reason}. "
            f"First contact by {_when(due.first_contact_due)}, resolve by {_when(due.resolve_due)}."
        )
        if lifted:
            message += f" The {' and '.join(lifted)} deadline is no longer missed."
        db.session.add(
            CaseEvent(
                case_id=case.id,
                actor_kind="staff",
                actor_id=actor.id,
                kind="severity_changed",
                message=message,
                data={
                    "from": old,
                    "to": severity,
                    "reason": reason,
                    "first_contact_due": due.first_contact_due.isoformat(),
                    "resolve_due": due.resolve_due.isoformat(),
                },
                created_at=now,
            )
        )


# --- assignment ----------------------------------------------------------------------------


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
    """Whom `actor` may give a case to, by name, with how many open cases each has."""
    people = _assignable_query(actor).with_only_columns(User.id)
    open_counts = dict(
        db.session.execute(
            sa.select(Case.assigned_rep_id, sa.func.count())
            .where(Case.status.in_(OPEN_STATUSES), Case.assigned_rep_id.in_(people))
            .group_by(Case.assigned_rep_id)
        ).all()
    )
    users = db.session.scalars(
        _assignable_query(actor).options(joinedload(User.team)).order_by(User.name, User.id)
    )
    return [Assignee(user, open_counts.get(user.id, 0)) for user in users]


def _assignee(actor: User, user_id: int | None) -> User:
    user = (
        db.session.scalar(_assignable_query(actor).where(User.id == user_id))
        if user_id is not None
        else None
    )
    if user is None:
        raise CaseRuleError("Choose an active rep or manager from the list.", "assignee")
    return user


def _assign(case: Case, actor: User, user: User, reason: str, now: datetime) -> None:
    """Hand one (loaded, checked) case to `user`, in the current transaction."""
    from portal.jobs.triage import notify_case_assigned
    from portal.services import outbox

    if not case.is_open:
        raise CaseRuleError(
            f"Case #{case.id} is {case.status}: only open cases are assigned.", "assignee"
        )
    if case.assigned_rep_id == user.id:
        raise CaseRuleError(f"Case #{case.id} is already assigned to {user.name}.", "assignee")
    before = case.assigned_rep
    case.assigned_rep = user
    case.rep_notified_at = None  # the new assignee is told, once (see notify_case_assigned)
    if case.first_contact_due is None or case.resolve_due is None:
        due = deadlines_for(
            policy_for(case.severity), case.created_at, calendar_for_team(user.team)
        )
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
    outbox.add(notify_case_assigned, case.id, family="mail")


def assign_case(
    case: Case, actor: User, user_id: int | None, reason: str, version: int | None, now: datetime
) -> User:
    """Make `user_id` responsible for the case and queue their email. Committed, then the
    email job is enqueued."""
    from portal.services import outbox

    _check_version(case, version)
    user = _assignee(actor, user_id)
    reason = _required(reason, "Say why: it goes in the timeline.", "reason")
    with _saving():
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
    from portal.services import outbox

    if not picked:
        raise CaseRuleError("Tick at least one case to assign.", "cases")
    user = _assignee(actor, user_id)
    reason = _required(reason, "Say why: it goes in the timeline of each case.", "reason")
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
        raise CaseRuleError(
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
    with _saving():
        for case_id in versions:
            _assign(cases[case_id], actor, user, reason, now)
    outbox.flush()
    return user, ids


def assign_from_triage(
    actor: User, picked: list[tuple[int, int]], user_id: int | None, reason: str, now: datetime
) -> tuple[User, list[int]]:
    """Assign picked cases that are still in the triage queue (see assign_many)."""
    return assign_many(actor, picked, user_id, reason, now, within=triage_query(actor))


# --- the triage queue ----------------------------------------------------------------------


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
