"""Cases as staff see them. (The full workspace — queue, actions — is built on top of this.)"""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user
from sqlalchemy.orm import selectinload

from portal.auth.access import ANY_STAFF, roles_required
from portal.extensions import db
from portal.models import Case, utcnow
from portal.services.scope import visible_cases_query

bp = Blueprint("cases", __name__, url_prefix="/cases")


def get_visible_case(case_id: int) -> Case:
    """The case, if the current user may see it; 404 otherwise (never 403: a case id
    someone may not see does not exist for them)."""
    case = db.session.scalar(
        visible_cases_query(current_user)
        .where(Case.id == case_id)
        .options(selectinload(Case.events))
    )
    if case is None:
        abort(404)
    return case


@bp.get("/<int:case_id>")
@roles_required(*ANY_STAFF)
def show(case_id: int):
    case = get_visible_case(case_id)
    return render_template("cases/show.html", case=case, now=utcnow())


@bp.get("/")
@roles_required(*ANY_STAFF)
def index():
    cases = db.session.scalars(
        visible_cases_query(current_user).order_by(Case.created_at.desc()).limit(100)
    ).all()
    return render_template("cases/index.html", cases=cases, now=utcnow())
