"""Template filters and globals."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from flask import Flask, g
from flask_login import current_user

from portal.models import utcnow
from portal.services.cases.assignment import triage_count as count
from portal.services.cases.rules import can_manage
from portal.support_contact import support_contact


def humanize_delta(target: datetime | None, now: datetime | None = None) -> str:
    """'in 3 h', '2 d overdue': time left to a deadline, readable at a glance."""
    if target is None:
        return "no deadline"
    now = now or utcnow()
    seconds = (target - now).total_seconds()
    late = seconds < 0
    seconds = abs(seconds)
    if seconds < 3600:
        text = f"{max(1, int(seconds // 60))} min"
    elif seconds < 48 * 3600:
        text = f"{int(seconds // 3600)} h"
    else:
        text = f"{int(seconds // 86400)} d"
    return f"{text} overdue" if late else f"in {text}"


def format_dt(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return value.astimezone(UTC).strftime(fmt) + " UTC"


def format_money(amount: Decimal | None, currency: str = "") -> str:
    if amount is None:
        return "—"
    return f"{amount:,.2f} {currency}".strip().replace(",", "\u202f")


def humanize_age(since: datetime | None, now: datetime | None = None) -> str:
    """'45 min', '5 h', '3 d': how long something has been waiting."""
    if since is None:
        return "—"
    seconds = max(0.0, ((now or utcnow()) - since).total_seconds())
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))} min"
    if seconds < 48 * 3600:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 86400)} d"


def _nav_context() -> dict:
    """What the navigation needs from the database, as callables: computed only if the page
    shows it (an error page for a database outage shows none), and once per request."""

    def triage_count() -> int:

        if "triage_count" not in g:
            user = current_user
            g.triage_count = count(user) if user.is_authenticated and can_manage(user) else 0
        return g.triage_count

    return {"triage_count": triage_count}


def init_app(app: Flask) -> None:
    app.jinja_env.filters["timeleft"] = humanize_delta
    app.jinja_env.filters["dt"] = format_dt
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["age"] = humanize_age
    app.jinja_env.globals["support_contact"] = support_contact  # templates/_support_contact.html
    app.context_processor(_nav_context)
