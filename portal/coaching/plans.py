"""Coaching plan pages: make a plan for a rep, follow it (figure since the start against the
baseline and target), training items with files, check-in notes, end it met or not met.

A rep sees their own plans and marks their items; a manager their teams' reps' plans; an
admin all. A plan someone may not see answers 404, as a case does."""

from __future__ import annotations

import re
from io import BytesIO

from flask import abort, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from markupsafe import Markup, escape

from portal.auth.access import ANY_STAFF, roles_required
from portal.coaching.common import bp
from portal.coaching.forms import EndPlanForm, ItemForm, ItemProgressForm, PlanForm, PlanNoteForm
from portal.form_helpers import show_rule_error
from portal.models import utcnow
from portal.services.performance import plan_items, plans
from portal.services.performance.goals import visible_rep
from portal.services.rules import RuleError
from portal.services.scope import visible_case_ids

MANAGERS = ("manager", "admin")
CASE_REF = re.compile(r"(?<![\w&])#(\d{1,9})\b")


@bp.app_template_filter("case_links")
def case_links(text: str | None) -> Markup:
    """Escaped text in which "#123" links to case 123, for whoever may see that case (any
    other number stays plain text: a link would tell that the case exists)."""
    text = text or ""
    ids = {int(n) for n in CASE_REF.findall(text)}
    visible = visible_case_ids(current_user, ids) if ids else set()
    out, last = [], 0
    for match in CASE_REF.finditer(text):
        out.append(escape(text[last : match.start()]))
        case_id = int(match.group(1))
        if case_id in visible:
            href = url_for("cases.show", case_id=case_id)
            out.append(Markup('<a href="{}">#{}</a>').format(href, case_id))
        else:
            out.append(escape(match.group(0)))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def _plan_or_404(plan_id: int):
    plan = plans.visible_plan(current_user, plan_id)
    if plan is None:
        abort(404)
    return plan


@bp.route("/reps/<int:rep_id>/plans/new", methods=["GET", "POST"])
@roles_required(*MANAGERS)
def new_plan(rep_id: int):
    rep = visible_rep(current_user, rep_id)
    if rep is None:
        abort(404)
    form = PlanForm()
    form.focus.choices = [("", "Choose a figure or a complaint theme"), *plans.focus_choices()]
    if form.validate_on_submit():
        try:
            plan = plans.create_plan(
                current_user,
                rep.id,
                title=form.title.data,
                focus=form.focus.data,
                target=float(form.target.data),
                due_on=form.due_on.data,
                check_ins=form.check_ins.data,
                now=utcnow(),
            )
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"Plan made; {rep.name} gets an email about it.", "success")
            return redirect(url_for(".plan", plan_id=plan.id))
    status = 422 if form.errors else 200
    return render_template("coaching/plan_form.html", form=form, rep=rep), status


def _show(plan, item_form=None, note_form=None, status=200):
    now = utcnow()
    can_coach = not current_user.is_rep
    return render_template(
        "coaching/plan.html",
        plan=plan,
        result=plans.progress(plan, now),
        notes=plans.plan_notes(plan),
        item_form=item_form or ItemForm(),
        note_form=note_form or PlanNoteForm(),
        end_form=EndPlanForm(),
        progress_forms={
            item.id: ItemProgressForm(prefix=f"i{item.id}", done=item.done, rep_note=item.rep_note)
            for item in plan.items
        },
        can_coach=can_coach,
        is_rep=plan.rep_id == current_user.id,
        now=now,
    ), status


@bp.get("/plans/<int:plan_id>")
@roles_required(*ANY_STAFF)
def plan(plan_id: int):
    return _show(_plan_or_404(plan_id))


@bp.post("/plans/<int:plan_id>/items")
@roles_required(*MANAGERS)
def add_item(plan_id: int):
    plan = _plan_or_404(plan_id)
    form = ItemForm()
    if form.validate_on_submit():
        upload = form.upload.data
        try:
            plan_items.add_item(
                current_user,
                plan,
                title=form.title.data,
                link=form.link.data,
                file_name=upload.filename if upload else None,
                file_data=upload.read() if upload else None,
                now=utcnow(),
            )
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash("Training item added.", "success")
            return redirect(url_for(".plan", plan_id=plan.id, _anchor="items"))
    return _show(plan, item_form=form, status=422)


@bp.post("/items/<int:item_id>")
@roles_required(*ANY_STAFF)
def item_progress(item_id: int):
    item = plan_items.item_of(current_user, item_id)
    if item is None:
        abort(404)
    if item.plan.rep_id != current_user.id:
        abort(403)
    form = ItemProgressForm(prefix=f"i{item.id}")
    if form.validate_on_submit():
        try:
            plan_items.record_progress(
                current_user, item, done=form.done.data, note=form.rep_note.data, now=utcnow()
            )
        except RuleError as exc:
            flash(exc.message, "error")
        else:
            flash("Saved.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for(".plan", plan_id=item.plan_id, _anchor=f"item-{item.id}"))


@bp.get("/items/<int:item_id>/file")
@roles_required(*ANY_STAFF)
def item_file(item_id: int):
    item = plan_items.item_of(current_user, item_id)
    if item is None or item.file_data is None:
        abort(404)
    return send_file(
        BytesIO(item.file_data),
        mimetype=item.file_type,
        as_attachment=True,
        download_name=item.file_name,
    )


@bp.post("/plans/<int:plan_id>/notes")
@roles_required(*MANAGERS)
def plan_note(plan_id: int):
    plan = _plan_or_404(plan_id)
    form = PlanNoteForm()
    if form.validate_on_submit():
        try:
            plans.add_plan_note(current_user, plan, form.text.data, utcnow())
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"Note added; {plan.rep.name} gets an email about it.", "success")
            return redirect(url_for(".plan", plan_id=plan.id, _anchor="notes"))
    return _show(plan, note_form=form, status=422)


@bp.post("/plans/<int:plan_id>/end")
@roles_required(*MANAGERS)
def end_plan(plan_id: int):
    plan = _plan_or_404(plan_id)
    if EndPlanForm().validate_on_submit():
        try:
            plans.end_plan(current_user, plan, utcnow())
        except RuleError as exc:
            flash(exc.message, "error")
        else:
            flash("The plan ended: " + ("met." if plan.status == "met" else "not met."), "success")
    return redirect(url_for(".plan", plan_id=plan.id))
