"""What every change of a case obeys: who may manage cases, the all-or-nothing save, and the
refusal of a change made on a stale page.

Severity and assignment carry the case version the form was rendered with: if someone changed
the case since, the change is refused with `StaleCaseError` (a race that slips past that check
ends as a `StaleDataError` at the commit, and becomes the same refusal).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from portal.extensions import db
from portal.models import Case, User
from portal.services.rules import RuleError

STALE_MESSAGE = (
    "Someone else changed this case since you opened it, so nothing was saved; "
    "reload the page to see what changed"
)


class StaleCaseError(RuleError):
    """The case changed since the form was rendered: nothing was saved."""

    def __init__(self, message: str = STALE_MESSAGE) -> None:
        super().__init__(message)


def can_manage(user: User) -> bool:
    """Managers and admins change severity and assignment, and work the triage queue."""
    return user.is_manager or user.is_admin


@contextmanager
def saving() -> Iterator[None]:
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


def check_version(case: Case, version: int | None) -> None:
    """Refuse a change made on a page rendered before the case's latest change."""
    if version is None or version != case.version:
        raise StaleCaseError()


def required(text: str | None, message: str, field: str) -> str:
    """The stripped text, or a RuleError naming the field when it is blank."""
    text = (text or "").strip()
    if not text:
        raise RuleError(message, field)
    return text


def when(value: datetime | None) -> str:
    """A moment as the case timeline writes it."""
    return f"{value:%Y-%m-%d %H:%M} UTC" if value else "none"
