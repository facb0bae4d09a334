"""Cases as staff see them and act on them: the list, the case page with its forms (label,
severity, assignment), the triage queue and the label corrections.

Who sees what is services.scope.visible_cases_query: a case outside it answers 404 (never 403:
a case someone may not see does not exist for them). The rules are in services.case_triage.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from portal.auth.access import ANY_STAFF, roles_required
from portal.cases.forms import AssignForm, LabelCorrectionForm, SeverityForm, TriageAssignForm
from portal.extensions import db
from portal.models import Case, CaseEvent, utcnow
from portal.models.case import SEVERITIES
from portal.services import case_triage
from portal.services.case_triage import CaseRuleError, StaleCaseError
from portal.services.scope import visible_cases_query

bp = Blueprint("cases", __name__, url_prefix="/cases")

MANAGERS = ("manager", "admin")
CASES_PER_PAGE = 50
CORRECTIONS_PER_PAGE = 50


def get_visible_case(case_id: int) -> Case:
    """The case, if the current user may see it; 404 otherwise."""
    case = db.session.scalar(
        visible_cases_query(current_user)
        .where(Case.id == case_id)
        .options(selectinload(Case.events).joinedload(CaseEvent.actor))
    )
    if case is None:
        abort(404)
    return case


def show_rule_error(form, exc: CaseRuleError) -> None:
    """The rule's message next to the field it is about; otherwise at the top of the page."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is not None:
        field.errors = [*field.errors, exc.message]
    else:
        flash(exc.message, "error")


def _assignee_choices() -> list[SelectChoice]:
    people = case_triage.assignees(current_user)
    return [
        SelectChoice("", "Choose a person"),
        *(SelectChoice(a.user.id, a.label) for a in people),
    ]


def _severity_choices() -> list[SelectChoice]:
    return [
        SelectChoice("", "Choose a severity"),
        *(SelectChoice(s, s.capitalize()) for s in SEVERITIES),
    ]


def _back_to(case_id: int):
    # The forms post to an address with a #fragment, so that a page with an error opens at
    # that form. A redirect without a fragment would inherit it; "#top" opens the page at the
    # top instead, where the message is.
    return redirect(url_for("cases.show", case_id=case_id, _anchor="top"))


# --- the case page -------------------------------------------------------------------------


def _show(case: Case, posted: dict | None = None):
    """The case page; `posted` holds the one form that was sent back with its errors."""
    forms = {"label_form": LabelCorrectionForm(prefix="label", formdata=None)}
    if case_triage.can_manage(current_user):
        forms["severity_form"] = SeverityForm(
            prefix="severity", formdata=None, data={"version": case.version}
        )
        forms["severity_form"].severity.choices = _severity_choices()
        forms["assign_form"] = AssignForm(
            prefix="assign", formdata=None, data={"version": case.version}
        )
        forms["assign_form"].assignee.choices = _assignee_choices()
    forms.update(posted or {})
    return render_template(
        "cases/show.html",
        case=case,
        analysis=case_triage.analysis_for(case),
        slas=case_triage.severity_slas() if "severity_form" in forms else [],
        now=utcnow(),
        **forms,
    )


@bp.get("/<int:case_id>")
@roles_required(*ANY_STAFF)
def show(case_id: int):
    return _show(get_visible_case(case_id))


@bp.post("/<int:case_id>/label")
@roles_required(*ANY_STAFF)
def correct_label(case_id: int):
    case = get_visible_case(case_id)
    form = LabelCorrectionForm(prefix="label")
    if form.validate_on_submit():
        try:
            correction = case_triage.correct_label(
                case, current_user, form.label.data, form.note.data, utcnow()
            )
        except StaleCaseError as exc:
            flash(exc.message, "error")
            return _back_to(case_id)
        except CaseRuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"The label is now {correction.corrected_label}. Thank you.", "success")
            return _back_to(case_id)
    return _show(case, {"label_form": form})


@bp.post("/<int:case_id>/severity")
@roles_required(*MANAGERS)
def change_severity(case_id: int):
    case = get_visible_case(case_id)
    form = SeverityForm(prefix="severity")
    form.severity.choices = _severity_choices()
    if form.validate_on_submit():
        try:
            case_triage.change_severity(
                case,
                current_user,
                form.severity.data,
                form.reason.data,
                form.version.data,
                utcnow(),
            )
        except StaleCaseError as exc:
            flash(exc.message, "error")
            return _back_to(case_id)
        except CaseRuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"Severity is now {case.severity}; the deadlines follow it.", "success")
            return _back_to(case_id)
    return _show(case, {"severity_form": form})


@bp.post("/<int:case_id>/assign")
@roles_required(*MANAGERS)
def assign(case_id: int):
    case = get_visible_case(case_id)
    form = AssignForm(prefix="assign")
    form.assignee.choices = _assignee_choices()
    if form.validate_on_submit():
        try:
            user = case_triage.assign_case(
                case,
                current_user,
                form.assignee.data,
                form.reason.data,
                form.version.data,
                utcnow(),
            )
        except StaleCaseError as exc:
            flash(exc.message, "error")
            return _back_to(case_id)
        except CaseRuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"Case #{case.id} is assigned to {user.name}, who gets an email.", "success")
            return _back_to(case_id)
    return _show(case, {"assign_form": form})


# --- lists ---------------------------------------------------------------------------------


@bp.get("/")
@roles_required(*ANY_STAFF)
def index():
    query = (
        visible_cases_query(current_user)
        .options(joinedload(Case.customer), joinedload(Case.assigned_rep), joinedload(Case.sale))
        .order_by(Case.created_at.desc(), Case.id.desc())
    )
    pagination = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=CASES_PER_PAGE, error_out=False
    )
    return render_template("cases/index.html", pagination=pagination, now=utcnow())


@bp.route("/triage", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def triage():
    form = TriageAssignForm()
    form.assignee.choices = _assignee_choices()
    if form.validate_on_submit():
        try:
            user, ids = case_triage.assign_from_triage(
                current_user, form.picked, form.assignee.data, form.reason.data, utcnow()
            )
        except StaleCaseError as exc:
            flash(exc.message, "error")
            return redirect(url_for("cases.triage"))
        except CaseRuleError as exc:
            show_rule_error(form, exc)
        else:
            numbers = ", ".join(f"#{case_id}" for case_id in ids)
            each = " for each" if len(ids) > 1 else ""
            flash(f"{user.name} now has {numbers} and gets an email{each}.", "success")
            return redirect(url_for("cases.triage"))
    query = case_triage.triage_query(current_user).options(
        joinedload(Case.customer), joinedload(Case.sale)
    )
    pagination = db.paginate(
        query, page=request.args.get("page", 1, type=int), per_page=CASES_PER_PAGE, error_out=False
    )
    return render_template(
        "cases/triage.html", form=form, pagination=pagination, page_args={}, now=utcnow()
    )


@bp.get("/corrections")
@roles_required(*MANAGERS)
def corrections():
    pagination = db.paginate(
        case_triage.corrections_query(current_user),
        page=request.args.get("page", 1, type=int),
        per_page=CORRECTIONS_PER_PAGE,
        error_out=False,
    )
    return render_template("cases/corrections.html", pagination=pagination, page_args={})


@bp.get("/corrections.csv")
@roles_required(*MANAGERS)
def corrections_csv():
    filename = f"sentiment-corrections-{utcnow():%Y-%m-%d}.csv"
    return Response(
        stream_with_context(case_triage.corrections_csv(current_user)),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
