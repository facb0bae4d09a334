"""The audit trail: `record(...)` one administrative change, in the transaction of the change.

Call it from the service that makes the change (never from a route), before that service
commits: the event and the change are stored together or not at all, whether the change came
from a page, the API, the command line or a job.

    audit.record("api_key.revoked", key, before={"revoked_at": None}, after={...})
    audit.record("user.role", user, before={"role": "rep"}, after={"role": "manager"})

Who did it: the `actor` given (a User, or `SYSTEM`), else whoever the web layer says is acting
in this request (registered once with `set_actor_source`: the logged-in user, or "anonymous",
and the client's address), else SYSTEM (a job, the command line). The action keys are listed
in docs/audit.md.

Reading the trail: `events_query(AuditSearch(...))` for the admin page and its CSV export.
Nothing here (nor anywhere) updates or deletes an event.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from portal.extensions import db
from portal.models import AuditEvent, User, utcnow


@dataclass(frozen=True)
class Actor:
    kind: str  # "staff", "system", "anonymous" (models/audit.py ACTOR_KINDS)
    user_id: int | None = None
    email: str | None = None
    ip: str | None = None


SYSTEM = Actor("system")

# Set by the web layer (portal/auth/audit_actor.py): who is acting in the current request, or
# None outside one. A function, so that this module knows nothing of Flask's request.
_actor_source: Callable[[], Actor | None] = lambda: None  # noqa: E731


def set_actor_source(source: Callable[[], Actor | None]) -> None:
    global _actor_source
    _actor_source = source


def current_actor() -> Actor:
    return _actor_source() or SYSTEM


def _actor(given: User | Actor | None) -> Actor:
    acting = current_actor()
    if given is None:
        return acting
    if isinstance(given, Actor):
        return given
    return Actor("staff", given.id, given.email, acting.ip)


# --- writing ------------------------------------------------------------------------------


def jsonable(value: Any) -> Any:
    """A value as JSON keeps it: dates as ISO text, money as text, rows as their id."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(v) for v in value]
    if isinstance(value, timedelta):
        return value.total_seconds()
    row_id = getattr(value, "id", None)
    return row_id if row_id is not None else str(value)


def snapshot(obj: Any, fields: tuple[str, ...] | list[str]) -> dict:
    """The named attributes of `obj`, JSON-ready: a "before" or "after"."""
    return {name: jsonable(getattr(obj, name)) for name in fields}


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the keys whose value changed, from both sides."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _type_of(target: Any) -> str:
    table = getattr(target, "__tablename__", None) or type(target).__name__
    # "api_keys" -> "api_key", "sla_policies" -> "sla_policy"
    return re.sub(r"ies$", "y", table) if table.endswith("ies") else re.sub(r"s$", "", table)


def _label_of(target: Any) -> str | None:
    # Never a customer's name or email: the trail outlives their anonymisation.
    if isinstance(target, User):
        return target.email
    if type(target).__name__ == "Customer":
        return None
    name = getattr(target, "name", None)
    return str(name)[:200] if name else None


def record(
    action: str,
    target: Any = None,
    *,
    before: Mapping | None = None,
    after: Mapping | None = None,
    actor: User | Actor | None = None,
    target_type: str | None = None,
    target_id: Any = None,
    label: str | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller commits it with its change).

    `target` is the row changed (its type, id and label are taken from it), or give
    `target_type`/`target_id`/`label` yourself. `before`/`after` hold what changed, as
    JSON-ready values (see `snapshot`, `changed`)."""
    who = _actor(actor)
    if target is not None:
        if getattr(target, "id", None) is None:
            db.session.flush()  # a new row: its id
        target_type = target_type or _type_of(target)
        target_id = target.id if target_id is None else target_id
        label = label if label is not None else _label_of(target)
    event = AuditEvent(
        at=utcnow(),
        actor_kind=who.kind,
        actor_id=who.user_id,
        actor_email=who.email,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        target_label=label[:200] if label else None,
        before=jsonable(dict(before)) if before is not None else None,
        after=jsonable(dict(after)) if after is not None else None,
        ip=(who.ip or None) and who.ip[:45],
    )
    db.session.add(event)
    return event


def record_changes(
    action: str, target: Any, before: dict, after: dict, **kwargs
) -> AuditEvent | None:
    """`record` only what changed; nothing when nothing did."""
    old, new = changed(before, after)
    if not new:
        return None
    return record(action, target, before=old, after=new, **kwargs)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditSearch:
    actor: str = ""  # part of the actor's email, or "system" / "anonymous"
    action: str = ""  # a key, or a prefix ending in "." ("user.")
    target_type: str = ""
    target_id: str = ""
    since: date | None = None  # from this day (UTC), included
    until: date | None = None  # to this day (UTC), included


def events_query(search: AuditSearch) -> sa.Select:
    """The events matching `search`, newest first."""
    query = sa.select(AuditEvent)
    who = search.actor.strip()
    if who in ("system", "anonymous"):
        query = query.where(AuditEvent.actor_kind == who)
    elif who:
        query = query.where(AuditEvent.actor_email.icontains(who, autoescape=True))
    if search.action.endswith("."):
        query = query.where(AuditEvent.action.startswith(search.action, autoescape=True))
    elif search.action:
        query = query.where(AuditEvent.action == search.action)
    if search.target_type:
        query = query.where(AuditEvent.target_type == search.target_type)
    if search.target_id.strip():
        query = query.where(AuditEvent.target_id == search.target_id.strip())
    if search.since:
        query = query.where(AuditEvent.at >= datetime.combine(search.since, time.min, UTC))
    if search.until:
        end = datetime.combine(search.until + timedelta(days=1), time.min, UTC)
        query = query.where(AuditEvent.at < end)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def known_actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).distinct().order_by("action")))


def known_target_types() -> list[str]:
    query = sa.select(AuditEvent.target_type).where(AuditEvent.target_type.is_not(None))
    return list(db.session.scalars(query.distinct().order_by("target_type")))


CSV_HEADER = (
    "at (UTC)",
    "actor",
    "actor id",
    "action",
    "target type",
    "target id",
    "target",
    "before",
    "after",
    "ip",
)


def csv_rows(search: AuditSearch):
    """The events of `search` as CSV rows (before/after as JSON text), newest first."""
    for event in db.session.scalars(events_query(search).execution_options(yield_per=500)):
        yield (
            event.at.strftime("%Y-%m-%d %H:%M:%S"),
            event.actor_email or event.actor_kind,
            event.actor_id,
            event.action,
            event.target_type,
            event.target_id,
            event.target_label,
            json.dumps(event.before, ensure_ascii=False, sort_keys=True) if event.before else "",
            json.dumps(event.after, ensure_ascii=False, sort_keys=True) if event.after else "",
            event.ip,
        )


def describe_actor(event: AuditEvent) -> str:
    if event.actor_kind == "staff":
        return event.actor_email or f"user #{event.actor_id}"
    return {"system": "System", "anonymous": "Not logged in"}[event.actor_kind]
