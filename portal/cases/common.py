"""What the case views share: the blueprint, the one "may this person see this case" lookup,
the choices filled in from the database, and the open count in the navigation.

Who sees what is services.scope.visible_cases_query: a case outside it answers 404 (never 403:
a case someone may not see does not exist for them).
"""

from __future__ import annotations

from flask import Blueprint, abort, g
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal.extensions import db
from portal.models import Case, CaseEvent
from portal.models.case import SEVERITIES
from portal.services.cases import assignment
from portal.services.cases import queue as case_queue
from portal.services.scope import visible_cases_query

bp = Blueprint("cases", __name__, url_prefix="/cases")

MANAGERS = ("manager", "admin")
CASES_PER_PAGE = 50


def get_visible_case(case_id: int) -> Case:
    """The case, if the current user may see it; 404 otherwise."""
    case = db.session.scalar(
        visible_cases_query(current_user)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.customer),
            joinedload(Case.sale),
            joinedload(Case.assigned_rep),
            selectinload(Case.events).joinedload(CaseEvent.actor),
        )
    )
    if case is None:
        abort(404)
    return case


def assignee_choices() -> list[SelectChoice]:
    people = assignment.assignees(current_user)
    return [
        SelectChoice("", "Choose a person"),
        *(SelectChoice(a.user.id, a.label) for a in people),
    ]


def severity_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", "Choose a severity"),
        *(SelectChoice(s, s.capitalize()) for s in SEVERITIES),
    ]


@bp.app_context_processor
def _open_case_count() -> dict:
    """The navigation's open count, as a callable: looked up only if the page shows it (an
    error page for a database outage shows none), and once per request."""

    def open_case_count() -> int:
        if "open_case_count" not in g:
            user = current_user
            g.open_case_count = case_queue.open_count(user) if user.is_authenticated else 0
        return g.open_case_count

    return {"open_case_count": open_case_count}
