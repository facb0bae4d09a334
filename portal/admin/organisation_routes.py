"""The organisation page: the company customers bought from, as customer pages and emails show
it. Admins only; the rules are in services/organisation.py. Registered on the admin blueprint."""

from __future__ import annotations

from dataclasses import asdict

from flask import current_app, flash, redirect, render_template, url_for

from portal.admin.common import bp
from portal.admin.organisation_forms import SETTINGS, OrganisationForm
from portal.auth.access import roles_required
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import utcnow
from portal.services import organisation as company
from portal.services.rules import RuleError


@bp.route("/organisation", methods=["GET", "POST"])
@roles_required("admin")
def organisation():
    org = company.organisation()
    form = OrganisationForm(data={**asdict(org), "time_zone": org.zone_name})
    if form.validate_on_submit():
        upload = form.logo.data
        logo = (
            upload.stream.read(company.LOGO_MAX_BYTES + 1) if upload and upload.filename else None
        )
        try:
            if logo is not None:
                company.check_logo(logo)  # before anything is saved: all or nothing
            company.save_settings({key: form[key].data for key in SETTINGS}, utcnow())
            if logo is not None:
                company.store_logo(logo, current_app.config["ORGANISATION_DIR"], utcnow())
        except RuleError as exc:
            db.session.rollback()
            show_rule_error(form, exc)
        else:
            flash("Saved: customer pages and emails show these settings now.", "success")
            return redirect(url_for("admin.organisation"), code=303)
    status = 422 if form.errors else 200
    return render_template("admin/organisation.html", form=form, org=org), status
