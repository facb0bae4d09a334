"""Who gets a case: the rep who made the sale, else their stand-in, else their team lead, else
the triage queue. Runs when a case opens (`services/cases/opening.py`); managers change it by
hand later (`services/cases/assignment.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal.models import Sale, User


@dataclass(frozen=True)
class Route:
    rep: User | None
    reason: str
    # The away rep whose case a stand-in takes: it goes back to them when they return
    # (services/cases/cover.py).
    covering_for: User | None = None


def choose_assignee(sale: Sale | None, now: datetime) -> Route:
    """The rep who made the sale; if they are away or gone, their stand-in; else their team
    lead; with no known sale or nobody available, the triage queue (None)."""
    if sale is None:
        return Route(None, "No known sale: in the triage queue for a manager to assign.")
    rep = sale.rep
    if rep is None:
        return Route(None, "The sale has no rep: in the triage queue for a manager to assign.")
    if rep.active and not rep.is_away(now):
        return Route(rep, f"Assigned to {rep.name}, who made the sale.")
    why = "inactive" if not rep.active else "away"
    stand_in = rep.stand_in
    if stand_in is not None and stand_in.active and not stand_in.is_away(now):
        return Route(
            stand_in,
            f"Assigned to {stand_in.name}, stand-in for {rep.name} ({why}).",
            covering_for=rep if rep.active else None,
        )
    lead = rep.team.lead if rep.team is not None else None
    if lead is not None and lead.active and not lead.is_away(now):
        return Route(
            lead, f"Assigned to {lead.name}, team lead: {rep.name} is {why} with no stand-in."
        )
    return Route(None, f"{rep.name} is {why} and nobody stands in: in the triage queue.")
