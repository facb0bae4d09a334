"""Jobs of waiting for the customer: the periodic sweep that puts back in the queue every case
whose wait gave up (services/cases/waiting.py)."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.models import utcnow
from portal.services.cases.waiting import return_unanswered


@job("waiting.return_unanswered")
def return_unanswered_waits() -> int:
    """Periodic: cases that waited their business days without an answer go back to work."""
    return len(return_unanswered(utcnow()))
