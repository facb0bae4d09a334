"""Seeding the demo organisation, and reading its logins back."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app

from portal.extensions import db
from portal.models import Team, User
from portal.services.demo.builder import Demo
from portal.services.demo.company import add_demo_company
from portal.services.demo.content import LOGIN_REPS, STAFF_DOMAIN
from portal.services.demo.plans import DemoSeedError, DemoSummary
from portal.services.setup import ensure_sla_policies
from portal.services.sla.admin import team_holidays
from portal.services.surveys.schedule import get_policy


def seed_demo(
    customers: int = 500, sales: int = 3000, seed: int = 7, *, now: datetime | None = None
) -> DemoSummary:
    """Create the demo organisation in one transaction. Refuses if the demo staff exist."""
    if customers < 30 or sales < customers:
        raise DemoSeedError("Use at least 30 customers and at least as many sales as customers.")
    taken = db.session.scalar(
        sa.select(User.email).where(User.email.like(f"%@{STAFF_DOMAIN}")).limit(1)
    )
    if taken:
        raise DemoSeedError(
            f"The demo organisation is already here ({taken} exists): nothing was added. "
            "Use an empty database, or --if-empty to skip seeding when there are users."
        )
    ensure_sla_policies()
    get_policy()  # the survey policy row, committed like the SLA defaults
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    try:
        demo = Demo(random.Random(seed), now)
        summary = demo.build(customers, sales, seed)
        add_team_holidays([plan.team for plan in demo.teams], now)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    add_demo_company(current_app.config["ORGANISATION_DIR"], now)
    return summary


def add_team_holidays(teams: list[Team], now: datetime) -> int:
    """Each team's country's holidays (from its calendar's zone) for this year and the next,
    so deadlines and the SLA preview skip Christmas as the teams do."""
    db.session.flush()  # the teams' ids
    rows = [h for team in teams for h in team_holidays(team, [now.year, now.year + 1])]
    db.session.add_all(rows)
    return len(rows)


def demo_logins() -> list[tuple[str, str]]:
    """The demo logins, read back from the database (empty when there is no demo)."""
    users = db.session.scalars(
        sa.select(User).where(User.email.endswith("@" + STAFF_DOMAIN), User.active.is_(True))
    ).all()
    by_name = {u.name: u for u in users}
    logins = [(u.role, u.email) for u in users if u.role == "admin"]
    logins += sorted((u.role, u.email) for u in users if u.role == "manager")
    logins += [("rep", by_name[name].email) for name in LOGIN_REPS if name in by_name]
    return logins
