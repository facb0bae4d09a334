"""The review list for managers: survey answers with a comment that opened no case, the one
click that marks one negative and opens its case, and the one that dismisses it as no
complaint (services/cases/review.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.access import roles_required
from portal.cases.common import MANAGERS, bp
from portal.extensions import db
from portal.models import utcnow
from portal.services.cases import review as case_review
from portal.services.rules import RuleError

REVIEW_PER_PAGE = 50


@bp.get("/review")
@roles_required(*MANAGERS)
def review():
    pagination = db.paginate(
        case_review.review_query(current_user),
        page=request.args.get("page", 1, type=int),
        per_page=REVIEW_PER_PAGE,
        error_out=False,
    )
    return render_template("cases/review.html", pagination=pagination, page_args={})


@bp.post("/review/<int:response_id>/negative")
@roles_required(*MANAGERS)
def mark_negative(response_id: int):
    """CSRF-checked like every POST (CSRFProtect). A second click finds the case the first
    one opened and says so; nothing is written twice."""
    response = case_review.reviewable_answer(current_user, response_id)
    if response is None:
        abort(404)
    try:
        case, opened = case_review.mark_negative(response, current_user, utcnow())
    except RuleError as exc:
        flash(exc.message, "error")
        return redirect(url_for("cases.review"))
    if opened:
        who = case.assigned_rep.name if case.assigned_rep else "the triage queue"
        flash(f"Marked negative: case #{case.id} is open and goes to {who}.", "success")
    else:
        flash(f"This answer already has case #{case.id}: nothing more was done.", "info")
    return redirect(url_for("cases.show", case_id=case.id))


@bp.post("/review/<int:response_id>/dismiss")
@roles_required(*MANAGERS)
def dismiss(response_id: int):
    """Not a complaint: the answer leaves the list, and the correction teaches the analysis.
    A second click (or an answer that got its case meanwhile) changes nothing."""
    response = case_review.undecided_answer(current_user, response_id)
    if response is None:
        if case_review.reviewable_answer(current_user, response_id) is None:
            abort(404)
        flash("This answer is no longer on the list: nothing more was done.", "info")
        return redirect(url_for("cases.review"))
    case_review.dismiss(response, current_user, utcnow())
    flash(
        "Dismissed as not a complaint: the analysis learns from it at the next retrain.", "success"
    )
    return redirect(url_for("cases.review"))
