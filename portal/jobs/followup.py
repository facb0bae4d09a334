"""Jobs of the "did this fix it?" follow-up: apply a customer's answer to their case, and close
the cases whose follow-up went unanswered. The rules are services/cases/followup.py."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.models import utcnow
from portal.services.cases import followup


@job("followup.apply_followup_answer")
def apply_followup_answer(response_id: int) -> str:
    """Apply a "did this fix it?" answer to its case: reopen or close (once per answer)."""
    return followup.apply_followup_answer(response_id, utcnow())


@job("followup.close_unanswered_followups")
def close_unanswered_followups() -> int:
    """Periodic: close resolved cases whose follow-up expired unanswered (idempotent)."""
    return followup.close_unanswered_followups(utcnow())
