"""A customer's data on request: find them, export everything held about them (JSON, or a
readable page to print or save as PDF), and anonymise them. Admins only; the rules are in
services/customer_data/. Registered on the admin blueprint."""

from __future__ import annotations

import json

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.admin.common import bp
from portal.admin.customer_data_forms import AnonymiseForm, CustomerSearchForm, ExportForm
from portal.auth.access import roles_required
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import Customer, utcnow
from portal.services import rules
from portal.services.customer_data import erasure, export, lookup

NO_STORE = {"Cache-Control": "no-store"}  # a customer's whole record: no cache keeps a copy


@bp.get("/customers")
@roles_required("admin")
def customer_data():
    form = CustomerSearchForm(formdata=request.args)
    text = form.q.data if form.validate() else ""
    found = lookup.find_customers(text or "")
    return render_template(
        "admin/customer_data.html",
        form=form,
        searched=bool(text),
        customers=found,
        sale_counts=lookup.sale_counts(found),
        limit=lookup.SEARCH_LIMIT,
    )


@bp.get("/customers/<int:customer_id>")
@roles_required("admin")
def customer_record(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    data = export.customer_export(customer, utcnow())
    return render_template(
        "admin/customer_record.html", customer=customer, data=data, form=ExportForm()
    )


@bp.post("/customers/<int:customer_id>/export.json")
@roles_required("admin")
def export_customer_json(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    if not ExportForm().validate_on_submit():
        return redirect(url_for("admin.customer_record", customer_id=customer.id))
    data = export.customer_export(customer, utcnow())
    export.record_export(customer, "json")
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False)
    disposition = f'attachment; filename="customer-{customer.id}.json"'
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": disposition, **NO_STORE},
    )


@bp.post("/customers/<int:customer_id>/export")
@roles_required("admin")
def export_customer_html(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    if not ExportForm().validate_on_submit():
        return redirect(url_for("admin.customer_record", customer_id=customer.id))
    data = export.customer_export(customer, utcnow())
    export.record_export(customer, "html")
    page = render_template("admin/customer_export.html", data=data)
    return Response(page, mimetype="text/html", headers=NO_STORE)


@bp.route("/customers/<int:customer_id>/anonymise", methods=["GET", "POST"])
@roles_required("admin")
def anonymise_customer(customer_id: int):
    customer = db.get_or_404(Customer, customer_id)
    if customer.anonymised_at is not None:
        flash("This customer's data is already anonymised.", "info")
        return redirect(url_for("admin.customer_record", customer_id=customer.id))
    form = AnonymiseForm()
    if form.validate_on_submit():
        try:
            erasure.check_confirmation(customer, form.confirm_email.data)
            counts = erasure.anonymise_customer(customer, utcnow(), actor=current_user)
        except rules.RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(
                f"Customer #{customer.id} is anonymised: {sum(counts.values())} texts and "
                "their contact data were replaced. Their scores and cases still count.",
                "success",
            )
            return redirect(url_for("admin.customer_record", customer_id=customer.id))
    return render_template("admin/customer_anonymise.html", customer=customer, form=form)
