"""When is a case's deadline: the one place that turns an SLA policy into due times.

Business-hours policies count only the working time of the team's calendar
(`services/sla/calendar.py`). A wall-clock policy (the clock runs day and night) applies only
to a team that works round the clock (an on-call rota, `Calendar.round_the_clock`): a deadline
told to a customer must be one the team can keep, so every other team counts business hours
even under a wall-clock policy (`counts_business_hours`). "Days" in business mode are working
days: N days later at the same point of the working day. Every case deadline comes from
`deadlines_for_case`: opening, a severity change, an assignment that fills missing deadlines,
and a reopening.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from portal.extensions import db
from portal.models import Case, SlaPolicy, Team
from portal.services.setup import default_policy
from portal.services.sla.calendar import (
    DEFAULT_CALENDAR,
    Calendar,
    add_working_minutes,
    calendar_for_team,
)


class Deadlines(NamedTuple):
    first_contact_due: datetime | None  # None: the customer did not ask to be contacted
    resolve_due: datetime


def _due(start: datetime, amount: int, unit: str, business: bool, calendar: Calendar):
    if not business:
        return start + (timedelta(days=amount) if unit == "days" else timedelta(hours=amount))
    minutes = amount * (calendar.day_minutes if unit == "days" else 60)
    return add_working_minutes(start, minutes, calendar)


def counts_business_hours(policy: SlaPolicy, calendar: Calendar) -> bool:
    """Whether `policy` counts working time on `calendar`: a business-hours policy always; a
    wall-clock one unless someone works round the clock there."""
    return bool(policy.business_hours) or not calendar.round_the_clock


def deadlines_for(
    policy: SlaPolicy, opened_at: datetime, calendar: Calendar | None = None
) -> Deadlines:
    """When a case opened at `opened_at` must be first contacted and resolved."""
    if opened_at.tzinfo is None:
        raise ValueError(f"naive datetime {opened_at!r}: pass a timezone-aware (UTC) value")
    calendar = calendar or DEFAULT_CALENDAR
    business = counts_business_hours(policy, calendar)
    return Deadlines(
        first_contact_due=_due(
            opened_at, policy.first_contact_amount, policy.first_contact_unit, business, calendar
        ),
        resolve_due=_due(opened_at, policy.resolve_amount, policy.resolve_unit, business, calendar),
    )


def policy_for(severity: str) -> SlaPolicy:
    """The SLA policy of a severity. Reads only, never writes: a severity with no stored
    policy gets the default one, unsaved (storing the defaults is `flask portal init`,
    services/setup.py `ensure_sla_policies`)."""
    policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.severity == severity))
    return policy if policy is not None else default_policy(severity)


def calendar_team(case: Case) -> Team | None:
    """The team whose working calendar counts the case's deadlines: the assigned rep's; for
    a triage case, that of the rep who made the sale (as when the case was opened)."""
    rep = case.assigned_rep or (case.sale.rep if case.sale else None)
    return rep.team if rep is not None else None


def deadlines_for_case(case: Case, start: datetime, *, severity: str | None = None) -> Deadlines:
    """When `case` must be first contacted and resolved, counted from `start`: the SLA policy
    of its severity (or of `severity`, about to be set) on the calendar of `calendar_team`.
    A case whose customer did not ask to be contacted (`Case.contact_wanted` false) has no
    first-contact deadline: None."""
    policy = policy_for(severity or case.severity)
    return as_wanted(case, deadlines_for(policy, start, calendar_for_team(calendar_team(case))))


def as_wanted(case: Case, due: Deadlines) -> Deadlines:
    """`due` for this case: no first-contact deadline when the customer did not ask to be
    contacted (`Case.contact_wanted` false)."""
    return due._replace(first_contact_due=None) if case.contact_wanted is False else due
