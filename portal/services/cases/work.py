"""What a rep does with a case, and the one table of which status may follow which.

    open ──contact──> contacted ──resolve──> resolved ──close──> closed
      ^                  ^  │                    │                │
      │                  │  └─contact (again)    └──reopen──┐  ┌──┘
    (new case)           └──────contact────── reopened <────┴──┘
                                                 └──resolve──> resolved

- `log_contact`: phone / email / meeting, with a note. The first one ever sets
  `first_contact_at` (a later contact, or one after a reopen, never moves it).
- `resolve`: an outcome (RESOLVE_OUTCOMES) and a summary; sets `resolved_at` and `outcome`, then
  `followup_survey.on_resolved` schedules the "did this fix it?" survey, in the same
  transaction. An open case is contacted before it is resolved, unless the customer did not
  ask to be contacted (`Case.contact_wanted` false): then the rep reviews it, notes what was
  done and resolves it from open, and no follow-up survey is sent (the timeline says why).
- `reopen(case, actor, reason, now, *, by_customer=False)`: from resolved or closed. Staff
  reopen with a reason; the follow-up answer (services/cases/followup.py) reopens with
  `actor=None, by_customer=True` when the customer says the fix did not work. `reopen_count`
  goes up by one; the last resolution (`resolved_at`, `outcome`, `closed_at`) is kept in the
  event's data and cleared on the case, and the resolve deadline is counted again from now.
- `close(case, actor, reason, now, *, by_customer=False)`: resolved -> closed (the customer
  confirmed the fix, or the follow-up went unanswered).
- `close_resolved_by_customer`: open, contacted or reopened -> closed in one step, when the
  customer changed their answer to say it is sorted (services/cases/answer_changes.py): resolved
  and closed at once, outcome "no action", no "did this fix it?" survey (they just told us).
- `wait` and `resume` (services/cases/waiting.py): a contacted or reopened case waits for the
  customer's answer with its resolution clock paused, and comes back as contacted.
- `add_note`: internal, in any status; it adds to the timeline and overwrites nothing, so it
  carries no version check.
- `email_customer`: through `messages.send_to_customer`; on an open or
  reopened case it also counts as a contact by email.

Every action writes a CaseEvent (who, when, what) and commits, or changes nothing. Forms
carry the case version they were rendered with: a stale one raises `StaleCaseError`, and
`changes_since` tells the person what changed meanwhile. No Flask request state here.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from portal.extensions import db
from portal.jobs import outbox
from portal.models import Case, CaseEvent, User
from portal.models.case import RESOLVE_OUTCOMES
from portal.services.cases import messages
from portal.services.cases.answer_changes import answer_was_changed
from portal.services.cases.rules import check_version, saving
from portal.services.rules import RuleError
from portal.services.sla.deadlines import deadlines_for_case
from portal.services.surveys import followup as followup_survey
from portal.services.webhooks import events as webhook_events

CONTACT_CHANNELS = ("phone", "email", "meeting")
NOTE_LENGTH = 4000

# The one table of allowed transitions: action -> {status it may start from: status after}.
TRANSITIONS: dict[str, dict[str, str]] = {
    "contact": {"open": "contacted", "contacted": "contacted", "reopened": "contacted"},
    "resolve": {"contacted": "resolved", "reopened": "resolved"},
    "reopen": {"resolved": "reopened", "closed": "reopened"},
    "close": {"resolved": "closed"},
    "close_resolved_by_customer": {"open": "closed", "contacted": "closed", "reopened": "closed"},
    # Waiting for the customer pauses the resolution clock (services/cases/waiting.py).
    "wait": {"contacted": "waiting", "reopened": "waiting"},
    "resume": {"waiting": "contacted"},
}

# Why an action is refused in a status, in words a rep understands.
REFUSALS: dict[tuple[str, str], str] = {
    ("contact", "resolved"): "This case is resolved: reopen it before logging a contact.",
    ("contact", "closed"): "This case is closed: reopen it before logging a contact.",
    ("resolve", "open"): "Log the first contact with the customer before resolving the case.",
    ("resolve", "resolved"): "This case is already resolved.",
    ("resolve", "closed"): "This case is closed: reopen it first if the customer needs more.",
    ("reopen", "open"): "This case is still open: there is nothing to reopen.",
    ("reopen", "contacted"): "This case is still open: there is nothing to reopen.",
    ("reopen", "reopened"): "This case is already reopened.",
    ("close", "closed"): "This case is already closed.",
    ("close_resolved_by_customer", "resolved"): "This case is already resolved.",
    ("close_resolved_by_customer", "closed"): "This case is already closed.",
    (
        "close_resolved_by_customer",
        "waiting",
    ): "This case waits for the customer: take it back first.",
    ("contact", "waiting"): "This case waits for the customer: take it back first.",
    ("resolve", "waiting"): "This case waits for the customer: take it back first.",
    ("reopen", "waiting"): "This case is still open: there is nothing to reopen.",
    ("wait", "open"): "Contact the customer first: then you can wait for their answer.",
    ("wait", "waiting"): "This case already waits for the customer.",
    ("resume", "open"): "This case is not waiting for the customer.",
    ("resume", "contacted"): "This case is not waiting for the customer.",
    ("resume", "reopened"): "This case is not waiting for the customer.",
}

ACTION_WORDS = {"contact": "log a contact on", "resolve": "resolve", "reopen": "reopen"}


# A case whose customer did not ask to be contacted also resolves straight from open.
NO_CONTACT_RESOLVE = {"open": "resolved"}


def _table(action: str, case: Case | None) -> dict[str, str]:
    if action == "resolve" and case is not None and case.contact_wanted is False:
        return {**TRANSITIONS[action], **NO_CONTACT_RESOLVE}
    return TRANSITIONS[action]


def allowed(action: str, status: str, case: Case | None = None) -> bool:
    """Whether `action` may start from `status` (for `case`, when its own rules matter:
    see NO_CONTACT_RESOLVE)."""
    return status in _table(action, case)


def next_status(case: Case, action: str) -> str:
    after = _table(action, case).get(case.status)
    if after is None:
        raise RuleError(
            REFUSALS.get(
                (action, case.status),
                f"A {case.status} case cannot be {action}d.",
            )
        )
    return after


def _text(value: str | None, message: str, field: str, limit: int = NOTE_LENGTH) -> str:
    value = (value or "").strip()
    if not value:
        raise RuleError(message, field)
    if len(value) > limit:
        raise RuleError(f"Keep it to {limit} characters.", field)
    return value


def _event(
    case: Case,
    actor: User | None,
    kind: str,
    message: str,
    data: dict,
    now: datetime,
    actor_kind: str | None = None,
):
    db.session.add(
        CaseEvent(
            case_id=case.id,
            actor_kind=actor_kind or ("staff" if actor is not None else "customer"),
            actor_id=actor.id if actor is not None else None,
            kind=kind,
            message=message,
            data=data,
            created_at=now,
        )
    )


# --- what changed meanwhile -----------------------------------------------------------------


def last_event_id(case: Case) -> int:
    """The newest timeline entry a page shows; forms send it back as `seen`."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(CaseEvent.id), 0)).where(
            CaseEvent.case_id == case.id
        )
    )


def changes_since(case: Case, seen: int | None) -> list[CaseEvent]:
    """Timeline entries written after the page the person was looking at (oldest first)."""
    if seen is None:
        return []
    query = sa.select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.id > seen)
    return list(db.session.scalars(query.order_by(CaseEvent.id)))


# --- the actions ----------------------------------------------------------------------------


def _contact(case: Case, actor: User, channel: str, note: str, now: datetime) -> bool:
    """Record a contact in the current transaction; True if it was the first ever."""
    case.status = next_status(case, "contact")
    case.updated_at = now  # a new version even when the status stays: others see it
    first = case.first_contact_at is None
    if first:
        case.first_contact_at = now
    if first:
        webhook_events.case_event("first_contact", case, now)
    what = "First contact" if first else "Contact"
    _event(
        case,
        actor,
        "contact_logged",
        f"{what} by {channel} logged by {actor.name}: {note}",
        {"channel": channel, "first": first, "note": note},
        now,
    )
    return first


def log_contact(
    case: Case,
    actor: User,
    channel: str,
    note: str,
    version: int | None,
    now: datetime,
) -> bool:
    """Log a phone call, email or meeting with the customer. Committed. True if it was the
    first contact (the first-contact deadline is met or missed by it)."""
    check_version(case, version)
    if channel not in CONTACT_CHANNELS:
        raise RuleError("Choose phone, email or meeting.", "channel")
    note = _text(note, "Say what was agreed or said: it goes in the timeline.", "note")
    with saving():
        first = _contact(case, actor, channel, note, now)
    outbox.flush()  # the first contact's webhooks
    return first


def add_note(case: Case, actor: User, text: str, now: datetime) -> None:
    """An internal note (the customer never sees it). Committed."""
    text = _text(text, "Write the note first.", "text")
    with saving():
        _event(case, actor, "note", f"Note by {actor.name}: {text}", {"text": text}, now)


def resolve(
    case: Case,
    actor: User,
    outcome: str,
    summary: str,
    version: int | None,
    now: datetime,
) -> None:
    """Close the complaint on our side with an outcome; the follow-up survey asks the
    customer whether it fixed their concern. Committed."""
    check_version(case, version)
    if outcome not in RESOLVE_OUTCOMES:
        raise RuleError("Choose what was done from the list.", "outcome")
    summary = _text(summary, "Sum up what was done: the customer reads it.", "summary")
    status = next_status(case, "resolve")
    with saving():
        case.status = status
        case.resolved_at = now
        case.outcome = outcome
        case.resolution_summary = summary
        _event(
            case,
            actor,
            "resolved",
            f"Resolved by {actor.name} with {outcome.replace('_', ' ')}: {summary}",
            {"outcome": outcome, "summary": summary},
            now,
        )
        followup_survey.on_resolved(case, now)
        webhook_events.case_event("resolved", case, now)
    outbox.flush()


def reopen(
    case: Case,
    actor: User | None,
    reason: str,
    now: datetime,
    *,
    by_customer: bool = False,
    version: int | None = None,
) -> None:
    """Reopen a resolved or closed case. Staff give a reason (and the version of the page
    they saw); the follow-up survey calls this with `actor=None, by_customer=True` and the
    customer's answer as the reason. Committed."""
    if actor is None and not by_customer:
        raise ValueError("reopen needs a staff actor unless by_customer=True")
    if not by_customer:
        check_version(case, version)
    reason = _text(reason, "Say why the case is reopened: it goes in the timeline.", "reason")
    status = next_status(case, "reopen")
    due = deadlines_for_case(case, now).resolve_due
    who = "the customer" if by_customer else actor.name
    with saving():
        previous = {
            "previous_status": case.status,
            "previous_outcome": case.outcome,
            "previous_resolved_at": case.resolved_at.isoformat() if case.resolved_at else None,
            "previous_closed_at": case.closed_at.isoformat() if case.closed_at else None,
        }
        case.status = status
        case.reopen_count = (case.reopen_count or 0) + 1
        case.resolved_at = case.closed_at = case.outcome = None
        case.resolve_due = due
        case.resolve_breached_at = None
        _event(
            case,
            None if by_customer else actor,
            "reopened",
            f"Reopened by {who}: {reason}. Resolve by {due:%Y-%m-%d %H:%M} UTC.",
            {
                **previous,
                "reason": reason,
                "by_customer": by_customer,
                "resolve_due": due.isoformat(),
            },
            now,
        )
        webhook_events.case_event("reopened", case, now)
    outbox.flush()


def close(
    case: Case,
    actor: User | None,
    reason: str,
    now: datetime,
    *,
    by_customer: bool = False,
    by_system: bool = False,
) -> None:
    """Close a resolved case: the customer confirmed the fix (by_customer), staff close it, or
    the system does when the follow-up expired unanswered (by_system). Committed."""
    if actor is None and not (by_customer or by_system):
        raise ValueError("close needs a staff actor unless by_customer or by_system")
    status = next_status(case, "close")
    who = "the customer" if by_customer else "the system" if by_system else actor.name
    with saving():
        case.status = status
        case.closed_at = now
        _event(
            case,
            None if by_customer or by_system else actor,
            "closed",
            f"Closed by {who}: {reason}" if reason else f"Closed by {who}.",
            {"reason": reason, "by_customer": by_customer, "by_system": by_system},
            now,
            actor_kind="system" if by_system else None,
        )


def close_resolved_by_customer(
    case: Case, actor: User, note: str | None, version: int | None, now: datetime
) -> None:
    """The customer's changed answer says it is sorted: resolve and close the case in one step,
    with the rep's optional note. Committed."""
    check_version(case, version)
    status = next_status(case, "close_resolved_by_customer")
    if not answer_was_changed(case):
        raise RuleError(
            "Only a case whose customer changed their answer closes as resolved by them: "
            "log a contact and resolve it instead."
        )
    note = (note or "").strip()
    if len(note) > NOTE_LENGTH:
        raise RuleError(f"Keep it to {NOTE_LENGTH} characters.", "note")
    now_says = case.satisfaction_before
    rating = f" (their answer is now {now_says}/5)" if now_says else ""
    # What the customer reads on their status page; the rep's note stays on the timeline.
    summary = f"Resolved by the customer{rating}."
    with saving():
        case.status = status
        case.resolved_at = case.closed_at = now
        case.outcome = "no_action"
        case.resolution_summary = summary
        _event(
            case,
            actor,
            "closed",
            f"Closed by {actor.name} as resolved by the customer{rating}."
            + (f" {note}" if note else ""),
            {"resolved_by_customer": True, "note": note or None},
            now,
        )


def email_customer(
    case: Case, actor: User, body: str, version: int | None, now: datetime
) -> CaseEvent:
    """Email the customer from the case (their answer comes back through their status link).
    On an open or reopened case the email is also the contact. Committed; the email is sent
    through the outbox after the commit."""
    check_version(case, version)
    body = _text(body, "Write the message to the customer first.", "body")
    if case.status == "closed":
        raise RuleError("This case is closed: reopen it before writing to the customer.")
    with saving():
        case.updated_at = now  # a new version: who writes next sees this email first
        if case.status in ("open", "reopened"):
            _contact(case, actor, "email", "emailed the customer from the case", now)
        try:
            event = messages.send_to_customer(case, actor, body, now)
        except RuleError as exc:
            raise RuleError(str(exc), "body") from None
    outbox.flush()
    return event


__all__ = [
    "CONTACT_CHANNELS",
    "TRANSITIONS",
    "add_note",
    "allowed",
    "changes_since",
    "close",
    "close_resolved_by_customer",
    "email_customer",
    "last_event_id",
    "log_contact",
    "next_status",
    "reopen",
    "resolve",
]
