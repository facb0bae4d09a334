"""The customer's status link of a case: one signed link per case, in every email the customer
gets about it (the rep's messages, the "did this fix it?" follow-up).

How long it works: while the case is open, and for LINK_DAYS_AFTER_CLOSE days after it was
resolved or closed (the customer may still want to read or answer). The signature itself
expires after SIGNATURE_MAX_AGE, a backstop for links of cases that stay open for years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.extensions import db
from portal.models import Case
from portal.tokens import InvalidToken, make_token, read_token
from portal.urls import external_url

LINK_DAYS_AFTER_CLOSE = 90
SIGNATURE_MAX_AGE = 3 * 365 * 24 * 3600


def status_token(case: Case) -> str:
    return make_token("case-status", case.id)


def status_url(case: Case) -> str:
    """The absolute link for emails (built from PORTAL_BASE_URL)."""
    return external_url("complaints.case_status", token=status_token(case))


def link_expires_at(case: Case) -> datetime | None:
    """When the link stops working; None while the case is still being worked on."""
    if case.is_open:
        return None
    ended = case.closed_at or case.resolved_at or case.updated_at
    return ended + timedelta(days=LINK_DAYS_AFTER_CLOSE) if ended else None


@dataclass(frozen=True)
class CaseLink:
    case: Case | None
    state: str  # "ok", "invalid" (tampered, unknown, other purpose) or "expired"


def case_for_token(token: str, now: datetime) -> CaseLink:
    try:
        case_id = read_token("case-status", token, max_age=SIGNATURE_MAX_AGE)
    except InvalidToken as exc:
        return CaseLink(None, "expired" if str(exc) == "expired" else "invalid")
    if not isinstance(case_id, int) or isinstance(case_id, bool):
        return CaseLink(None, "invalid")
    case = db.session.get(Case, case_id)
    if case is None:
        return CaseLink(None, "invalid")
    expires = link_expires_at(case)
    if expires is not None and expires <= now:
        return CaseLink(None, "expired")
    return CaseLink(case, "ok")
