"""Administration of API keys, which other systems (shop, CRM, ERP) use to send sales in.
Admins only; the keys are made and checked in services/staff/api_keys.py. Registered on the admin
blueprint."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, url_for
from flask_login import current_user

from portal.admin.common import bp
from portal.admin.forms import ApiKeyForm
from portal.auth.access import roles_required
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import ApiKey, utcnow
from portal.services.rules import RuleError
from portal.services.staff import api_keys as key_service


@bp.get("/api-keys")
@roles_required("admin")
def api_keys():
    return render_template("admin/api_keys.html", keys=key_service.all_keys())


@bp.route("/api-keys/new", methods=["GET", "POST"])
@roles_required("admin")
def new_api_key():
    form = ApiKeyForm()
    if form.validate_on_submit():
        try:
            key, secret = key_service.create_key(form.name.data, current_user, form.scopes.data)
        except RuleError as exc:
            show_rule_error(form, exc)
            return render_template("admin/api_key_form.html", form=form)
        # The secret exists only in this response: not in a flash message or the session
        # (signed, not encrypted), and not in any cache.
        response = make_response(
            render_template(
                "admin/api_key_created.html", key=key, secret=secret, today=utcnow().date()
            )
        )
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("admin/api_key_form.html", form=form)


@bp.post("/api-keys/<int:key_id>/revoke")
@roles_required("admin")
def revoke_api_key(key_id: int):
    key = db.get_or_404(ApiKey, key_id)
    if key.is_active:
        key_service.revoke(key)
        flash(
            f"The key {key.name} is revoked: requests that use it are refused from now on.",
            "success",
        )
    else:
        flash(f"The key {key.name} was already revoked.", "info")
    return redirect(url_for("admin.api_keys"))
