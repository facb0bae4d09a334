"""Failed work: jobs, outbox rows and survey invitations that failed for good, each with its
error and a Retry button. Admins only; the rules are in services.failed_work. Registered on
the admin blueprint."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from portal.admin.common import bp
from portal.auth.access import roles_required
from portal.services import failed_work as service


@bp.get("/failed-work")
@roles_required("admin")
def failed_work():
    return render_template("admin/failed_work.html", work=service.failed_work())


@bp.post("/failed-work/retry")
@roles_required("admin")
def retry_failed_work():
    kind, ident = request.form.get("kind", ""), request.form.get("ident", "")
    if kind not in service.KINDS or not ident:
        flash("Choose an item of the list to retry.", "warning")
        return redirect(url_for("admin.failed_work"))
    try:
        flash(service.retry(kind, ident), "success")
    except service.CannotRetry as exc:
        flash(str(exc), "warning")
    return redirect(url_for("admin.failed_work"))
