"""Who needs attention, above the dashboard's reps table: the slowest first contact and the
worst recovery of the period (from samples big enough to judge by), and the most overdue open
cases now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from portal.dashboard.board import RepRow, live_filter
from portal.extensions import db
from portal.metrics import definitions as d
from portal.models import Case, User
from portal.models.case import OPEN_STATUSES
from portal.services.performance.records import format_metric
from portal.services.scope import visible_cases_query


@dataclass
class Callout:
    title: str  # what is wrong, e.g. "Slowest first contact"
    rep: User | None  # None: no rep has a sample big enough to judge by
    figure: str  # the figure as people read it, e.g. "31.2 h median"
    detail: str  # its sample, e.g. "12 cases"
    figure_name: str  # the drill-down figure behind it
    live: bool  # a "now" figure (no period)


def _worst(rows: list[RepRow], name: str, lowest: bool) -> RepRow | None:
    """The rep with the worst `name` among those with a sample big enough to judge by."""
    judged = [
        r
        for r in rows
        if r.metrics.get(name) is not None and not d.is_small_sample(name, r.metrics)
    ]
    if not judged:
        return None
    pick = min if lowest else max
    return pick(judged, key=lambda r: r.metrics[name])


def overdue_by_rep(reps: list[User], viewer: User, now: datetime) -> dict[int, int]:
    """{rep id: open cases past a deadline now}, for the reps shown."""
    if not reps:
        return {}
    query = (
        visible_cases_query(viewer)
        .where(
            Case.status.in_(OPEN_STATUSES),
            Case.assigned_rep_id.in_([r.id for r in reps]),
            live_filter("overdue", now),
        )
        .with_only_columns(Case.assigned_rep_id, sa.func.count())
        .group_by(Case.assigned_rep_id)
    )
    return dict(db.session.execute(query).all())


def callouts(rows: list[RepRow], viewer: User, now: datetime) -> list[Callout]:
    found = []
    slow = _worst(rows, "first_contact_median_hours", lowest=False)
    if slow is None:
        found.append(_nobody("Slowest first contact", "cases first contacted"))
    else:
        n = d.sample_size("first_contact_median_hours", slow.metrics)
        found.append(
            Callout(
                "Slowest first contact",
                slow.rep,
                format_metric("first_contact_median_hours", slow.metrics) + " median",
                f"{n} cases" if n is not None else "",
                "contacted",
                False,
            )
        )
    overdue = overdue_by_rep([r.rep for r in rows], viewer, now)
    if not overdue:
        found.append(
            Callout("Most overdue now", None, "", "No open case is past a deadline.", "", True)
        )
    else:
        rep_id, count = max(overdue.items(), key=lambda item: (item[1], -item[0]))
        rep = next(r.rep for r in rows if r.rep.id == rep_id)
        found.append(
            Callout("Most overdue now", rep, f"{count} open", "past a deadline", "overdue", True)
        )
    worst = _worst(rows, "recovery_rate", lowest=True)
    if worst is None:
        found.append(_nobody("Worst recovery", "customers with a case resolved"))
    else:
        n = d.sample_size("recovery_rate", worst.metrics)
        found.append(
            Callout(
                "Worst recovery",
                worst.rep,
                format_metric("recovery_rate", worst.metrics) + " bought again",
                f"{n} customers" if n is not None else "",
                "recovered",
                False,
            )
        )
    return found


def _nobody(title: str, what: str) -> Callout:
    text = f"No rep has {d.SMALL_SAMPLE} or more {what} in this period yet: too few to judge."
    return Callout(title, None, "", text, "", False)
