"""The case lists: the queue (a rep's own cases, a manager's team's) with filters, search, CSV
and bulk assignment; the triage queue; the label corrections.

Every list starts from services.scope.visible_cases_query (through services/cases/queue.py
and services/cases/assignment.py): a case someone may not see is in none of them.
"""

from __future__ import annotations

from flask import (
    Response,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import SelectChoice

from portal.auth.access import ANY_STAFF, roles_required
from portal.cases.common import CASES_PER_PAGE, MANAGERS, assignee_choices, bp
from portal.cases.forms import BulkAssignForm, QueueFilterForm
from portal.csv_export import csv_response
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import utcnow
from portal.services.cases import assignment
from portal.services.cases import corrections as case_corrections
from portal.services.cases import queue as case_queue
from portal.services.cases import rules as case_rules
from portal.services.cases.queue import QueueFilters
from portal.services.cases.rules import StaleCaseError
from portal.services.rules import RuleError

CORRECTIONS_PER_PAGE = 50


def _filters() -> tuple[QueueFilterForm, QueueFilters]:
    """The queue's filters from the address. A value that is not one of the choices is
    named next to its field, and that filter is left out (the rest still apply)."""
    form = QueueFilterForm(formdata=request.args)
    manages = case_rules.can_manage(current_user)
    reps = case_queue.rep_choices(current_user) if manages else [("", "")]
    form.rep.choices = [SelectChoice(value, label) for value, label in reps]
    form.validate()
    choose = (
        ("status", "a status"),
        ("severity", "a severity"),
        ("rep", "a person"),
        ("contact", "a contact wish"),
    )
    for name, word in choose:
        field = getattr(form, name)
        if field.errors:
            field.errors = [f"Choose {word} from the list."]
            field.data = field.default
    if form.q.errors:
        form.q.data = (form.q.data or "")[:100]
    filters = QueueFilters(
        status=form.status.data or "active",
        severity=form.severity.data or "",
        overdue=bool(form.overdue.data),
        q=form.q.data or "",
        rep=(form.rep.data or "") if manages else "",
        contact=form.contact.data or "",
    )
    return form, filters


def _queue_page(bulk_form: BulkAssignForm | None = None, status: int = 200):
    form, filters = _filters()
    now = utcnow()
    manages = case_rules.can_manage(current_user)
    if manages and bulk_form is None:
        bulk_form = BulkAssignForm(formdata=None)
        bulk_form.assignee.choices = assignee_choices()
    pagination = case_queue.queue_page(
        current_user, filters, now, request.args.get("page", 1, type=int), CASES_PER_PAGE
    )
    if filters == QueueFilters():
        g.open_case_count = pagination.total  # the navigation's count: the same figure
    replied = case_queue.unanswered_replies([case.id for case in pagination.items])
    bad = bool(form.errors)
    return render_template(
        "cases/index.html",
        filter_form=form,
        filters=filters,
        bulk_form=bulk_form,
        pagination=pagination,
        page_args=filters.as_args(),
        replied=replied,
        now=now,
    ), (400 if bad else status)


@bp.get("/")
@roles_required(*ANY_STAFF)
def index():
    return _queue_page()


@bp.get("/export.csv")
@roles_required(*ANY_STAFF)
def export_csv():
    form, filters = _filters()
    if form.errors:
        problems = "; ".join(error for errors in form.errors.values() for error in errors)
        return Response(f"{problems}\n", status=400, mimetype="text/plain")
    now = utcnow()
    return csv_response(
        f"cases-{now:%Y-%m-%d}.csv",
        case_queue.EXPORT_COLUMNS,
        case_queue.queue_rows,
        current_user,
        filters,
        now,
    )


def _assigned_message(user, ids: list[int]) -> str:
    numbers = ", ".join(f"#{case_id}" for case_id in ids)
    each = " for each" if len(ids) > 1 else ""
    return f"{user.name} now has {numbers} and gets an email{each}."


@bp.post("/assign")
@roles_required(*MANAGERS)
def bulk_assign():
    """Assign the cases ticked in the queue to one person (all or nothing)."""
    form = BulkAssignForm()
    form.assignee.choices = assignee_choices()
    if form.validate_on_submit():
        try:
            user, ids = assignment.assign_many(
                current_user, form.picked, form.assignee.data, form.reason.data, utcnow()
            )
        except StaleCaseError as exc:
            flash(exc.message, "error")
            return redirect(url_for("cases.index", **request.args))
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(_assigned_message(user, ids), "success")
            return redirect(url_for("cases.index", **request.args))
    return _queue_page(form, status=422)


@bp.route("/triage", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def triage():
    form = BulkAssignForm()
    form.assignee.choices = assignee_choices()
    if form.validate_on_submit():
        try:
            user, ids = assignment.assign_from_triage(
                current_user, form.picked, form.assignee.data, form.reason.data, utcnow()
            )
        except StaleCaseError as exc:
            flash(exc.message, "error")
            return redirect(url_for("cases.triage"))
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(_assigned_message(user, ids), "success")
            return redirect(url_for("cases.triage"))
    query = case_queue.with_rows(assignment.triage_query(current_user))
    pagination = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=CASES_PER_PAGE, error_out=False
    )
    return render_template(
        "cases/triage.html", form=form, pagination=pagination, page_args={}, now=utcnow()
    ), (422 if form.errors else 200)


@bp.get("/corrections")
@roles_required(*MANAGERS)
def corrections():
    pagination = db.paginate(
        case_corrections.corrections_query(current_user),
        page=request.args.get("page", 1, type=int),
        per_page=CORRECTIONS_PER_PAGE,
        error_out=False,
    )
    return render_template("cases/corrections.html", pagination=pagination, page_args={})


@bp.get("/corrections.csv")
@roles_required(*MANAGERS)
def corrections_csv():
    return csv_response(
        f"sentiment-corrections-{utcnow():%Y-%m-%d}.csv",
        case_corrections.CSV_COLUMNS,
        case_corrections.correction_rows,
        current_user,
    )
