"""The audit trail for admins: who changed what, when and from where; filtered, paged and as
CSV. Read-only: there is no route that changes or removes an event (services/audit.py).
Registered on the admin blueprint."""

from __future__ import annotations

from flask import render_template, request

from portal.admin.audit_forms import AuditFilterForm
from portal.admin.common import bp
from portal.auth.access import roles_required
from portal.csv_export import csv_response
from portal.extensions import db
from portal.models import utcnow
from portal.services import audit

EVENTS_PER_PAGE = 50


def _filters() -> tuple[AuditFilterForm, audit.AuditSearch]:
    """The filter bar, and the search it makes; a value that is not valid is left out (and
    shown with its message)."""
    form = AuditFilterForm(formdata=request.args)
    form.fill_choices(audit.known_actions(), audit.known_target_types())
    form.validate()
    valid = {field.name: field.data for field in form if not field.errors}
    search = audit.AuditSearch(
        actor=valid.get("actor") or "",
        action=valid.get("action") or "",
        target_type=valid.get("target_type") or "",
        target_id=valid.get("target_id") or "",
        since=valid.get("since"),
        until=valid.get("until"),
    )
    return form, search


@bp.get("/audit")
@roles_required("admin")
def audit_log():
    form, search = _filters()
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(
        audit.events_query(search), page=page, per_page=EVENTS_PER_PAGE, error_out=False
    )
    page_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/audit.html",
        filters=form,
        pagination=pagination,
        page_args=page_args,
        describe_actor=audit.describe_actor,
    )


@bp.get("/audit.csv")
@roles_required("admin")
def audit_log_csv():
    _, search = _filters()
    filename = f"audit-{utcnow():%Y-%m-%d}.csv"
    return csv_response(filename, audit.CSV_HEADER, audit.csv_rows, search)
