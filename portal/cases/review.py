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
    """The answers worth a look; `?show=all`: every unrouted answer with a comment."""
    everything = request.args.get("show") == "all"
    counts = case_review.review_counts(current_user)
    pagination = db.paginate(
        case_review.review_query(current_user, everything=everything),
        page=request.args.get("page", 1, type=int),
        per_page=REVIEW_PER_PAGE,
        error_out=False,
        count=False,  # review_counts counted both views in one pass
    )
    total = counts.everything if everything else counts.worth_a_look
    pagination.total = min(total, case_review.COUNT_CAP)  # the pages a capped count allows
    return render_template(
        "cases/review.html",
        pagination=pagination,
        counts=counts,
        count_cap=case_review.COUNT_CAP,
        everything=everything,
        page_args={"show": "all"} if everything else {},
    )


def _back_to_list():
    """The list as the manager had it (every answer, or those worth a look)."""
    return redirect(url_for("cases.review", show="all" if request.args.get("show") else None))


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
        return _back_to_list()
    if opened and response.added_to_case_id is not None:
        flash(
            f"Marked negative: added to case #{case.id}, already open for the same order"
            " (one case per order).",
            "success",
        )
    elif opened:
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
        return _back_to_list()
    case_review.dismiss(response, current_user, utcnow())
    flash(
        "Dismissed as not a complaint: the analysis learns from it at the next retrain.", "success"
    )
    return _back_to_list()


@bp.post("/review/dismiss-confident")
@roles_required(*MANAGERS)
def dismiss_confident():
    """The confidently positive answers the page showed (their ids come with the form), each
    dismissed with its own correction; any other id, or one no longer on the list, is left."""
    ids = request.form.getlist("response_id", type=int)
    done = case_review.dismiss_confident(current_user, ids, utcnow())
    noun = "answer" if done == 1 else "answers"
    flash(f"Dismissed {done} confidently positive {noun} as not a complaint.", "success")
    return _back_to_list()
