"""Jobs of cover for away reps: the periodic sweep that hands an away rep's cases to their
stand-in and back when they return. The rules are services/cases/cover.py."""

from __future__ import annotations

from portal.jobs.registry import job
from portal.models import utcnow
from portal.services.cases import cover


@job("cover.sweep_cover")
def sweep_cover() -> int:
    """Periodic: move cases at the start and end of each absence (idempotent)."""
    return cover.sweep_cover(utcnow())
