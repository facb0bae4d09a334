"""The "keep in touch" list, a customer's timeline and the check-in rules. The rules of who
is due are in services/checkins/due.py; who may see a customer in services/checkins/customers.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.access import ANY_STAFF, roles_required
from portal.checkins.forms import CheckinForm, RulesForm
from portal.models import utcnow
from portal.models.checkin import RULES_WITH_AMOUNT
from portal.services.checkins import rules as rule_service
from portal.services.checkins.customers import CHANNEL_LABELS, customer_for, record_checkin
from portal.services.checkins.due import OVERDUE_AFTER, due_checkins
from portal.services.checkins.timeline import purchase_summary, timeline
from portal.services.rules import RuleError

bp = Blueprint("checkins", __name__)
LIST_LIMIT = 300


@bp.get("/checkins")
@roles_required(*ANY_STAFF)
def index():
    now = utcnow()
    items = due_checkins(current_user, now)
    return render_template(
        "checkins/index.html",
        items=items[:LIST_LIMIT],
        total=len(items),
        overdue=sum(item.is_overdue(now) for item in items),
        overdue_days=OVERDUE_AFTER.days,
        form=CheckinForm(),
        now=now,
    )


@bp.post("/customers/<int:customer_id>/checkins")
@roles_required(*ANY_STAFF)
def check_in(customer_id: int):
    customer = customer_for(current_user, customer_id) or abort(404)
    form = CheckinForm()
    back = (
        url_for("checkins.customer", customer_id=customer.id)
        if form.back.data == "customer"
        else url_for("checkins.index")
    )
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return redirect(back)
    try:
        record_checkin(
            current_user, customer, form.channel.data, form.note.data, utcnow(), form.reason.data
        )
    except RuleError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Checked in with {customer.name} ({CHANNEL_LABELS[form.channel.data]}).", "success")
    return redirect(back)


@bp.get("/customers/<int:customer_id>")
@roles_required(*ANY_STAFF)
def customer(customer_id: int):
    customer = customer_for(current_user, customer_id) or abort(404)
    return render_template(
        "checkins/customer.html",
        customer=customer,
        entries=timeline(customer),
        totals=purchase_summary(customer),
        form=CheckinForm(back="customer"),
        channel_labels=CHANNEL_LABELS,
    )


@bp.route("/admin/checkin-rules", methods=["GET", "POST"])
@roles_required("admin")
def rules():
    form = RulesForm()
    errors: dict[str, str] = {}
    status = 200
    currencies = rule_service.currencies_in_use()
    if request.method == "POST" and form.validate_on_submit():
        changes = [
            rule_service.RuleChange(
                kind=rule.kind,
                active=request.form.get(f"{rule.kind}-active") == "y",
                days=request.form.get(f"{rule.kind}-days", ""),
                min_amount=request.form.get(f"{rule.kind}-min_amount", ""),
                amounts={
                    code: request.form.get(f"{rule.kind}-min_amount-{code}", "")
                    for code in currencies
                },
            )
            for rule in rule_service.ensure_rules()
        ]
        try:
            rule_service.update_rules(current_user, changes, utcnow())
        except RuleError as exc:
            errors[exc.field or ""] = exc.message
            status = 422
        else:
            flash("Check-in rules saved: the lists follow them from now on.", "success")
            return redirect(url_for("checkins.rules"))
    return render_template(
        "checkins/rules.html",
        form=form,
        rules=rule_service.ensure_rules(),
        labels=rule_service.LABELS,
        explained=rule_service.EXPLAINED,
        with_amount=RULES_WITH_AMOUNT,
        currencies=currencies,
        errors=errors,
        posted=request.form if errors else None,
    ), status
