"""Training items of a coaching plan: a title with a link or an uploaded file, which the
rep ticks off and comments on. The manager adds items; only the plan's rep marks them done
and writes their note. Files are kept in the database (small: 5 MB at most, a few types) and
served only to those who may see the plan."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from portal.extensions import db
from portal.models import CoachingPlan, PlanItem, User
from portal.services.performance.plans import visible_plan
from portal.services.rules import RuleError

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_NOTE = 2000
# What a training file may be: the type it is served with is the one of its extension.
FILE_TYPES = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def file_type(name: str) -> str | None:
    ext = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return FILE_TYPES.get(ext)


def add_item(
    manager: User,
    plan: CoachingPlan,
    *,
    title: str,
    link: str | None,
    file_name: str | None,
    file_data: bytes | None,
    now: datetime,
) -> PlanItem:
    """A training item with a link or a file (not both, and one of them). Committed."""
    if manager.is_rep or visible_plan(manager, plan.id) is None:
        raise RuleError("Only the rep's manager can add training items.")
    title = (title or "").strip()
    if not title:
        raise RuleError("Give the item a title.", "title")
    link = (link or "").strip() or None
    if link and file_data:
        raise RuleError("Give a link or a file, not both.", "link")
    if link is not None:
        parts = urlsplit(link)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise RuleError("Write the link as a full address, e.g. https://...", "link")
    kind = None
    if file_data:
        name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
        kind = file_type(name)
        if kind is None:
            known = ", ".join(sorted(FILE_TYPES))
            raise RuleError(f"Upload a file of one of these types: {known}.", "upload")
        if len(file_data) > MAX_FILE_BYTES:
            raise RuleError("The file is over 5 MB: upload a smaller one, or link to it.", "upload")
        file_name = name[:200]
    item = PlanItem(
        plan_id=plan.id,
        title=title[:200],
        link=link,
        file_name=file_name if file_data else None,
        file_type=kind,
        file_data=file_data or None,
        created_at=now,
    )
    db.session.add(item)
    db.session.commit()
    return item


def item_of(viewer: User, item_id: int) -> PlanItem | None:
    item = db.session.get(PlanItem, item_id)
    if item is None or visible_plan(viewer, item.plan_id) is None:
        return None
    return item


def record_progress(
    rep: User, item: PlanItem, *, done: bool, note: str | None, now: datetime
) -> PlanItem:
    """The rep ticks the item off (or not) and writes their note. Committed."""
    if item.plan.rep_id != rep.id:
        raise RuleError("Only the rep the plan is for marks its items done.")
    note = (note or "").strip() or None
    if note and len(note) > MAX_NOTE:
        raise RuleError(f"Keep the note under {MAX_NOTE} characters.", "rep_note")
    if done and item.done_at is None:
        item.done_at = now
    elif not done:
        item.done_at = None
    item.rep_note = note
    db.session.commit()
    return item
