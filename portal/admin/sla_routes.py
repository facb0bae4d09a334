"""Administration of deadlines: the SLA policy of each severity, and the holidays that
business-hours deadlines skip. (Each team's working days and hours are on its team page.)
Admins only; the rules are in services/sla/admin.py. Registered on the admin blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from portal.admin.common import bp
from portal.admin.forms import id_choices
from portal.admin.sla_forms import HolidayForm, HolidayImportForm, SlaPoliciesForm, SlaRowForm
from portal.auth.access import roles_required
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import Holiday, utcnow
from portal.models.case import SEVERITIES
from portal.services.rules import RuleError
from portal.services.sla import admin as sla_admin
from portal.services.sla import countries
from portal.services.staff import teams

HOLIDAYS_PER_PAGE = 50


# --- SLA policies ------------------------------------------------------------------------------


@bp.route("/sla", methods=["GET", "POST"])
@roles_required("admin")
def sla_policies():
    form = SlaPoliciesForm(data={p.severity: p for p in sla_admin.policies()})
    if form.validate_on_submit():
        try:
            changed = sla_admin.update_policies(form.settings())
        except RuleError as exc:
            show_rule_error(form[exc.row] if exc.row else form, exc)
        else:
            if changed:
                flash(
                    f"Saved. New {', '.join(changed)} cases get the new deadlines; "
                    "cases already open keep theirs.",
                    "success",
                )
            else:
                flash("Nothing changed: the policies were already like that.", "info")
            return redirect(url_for("admin.sla_policies"))
    return render_template(
        "admin/sla_policies.html", form=form, previews=_previews(form), **_example_context()
    )


@bp.get("/sla/preview")
@roles_required("admin")
def sla_preview():
    """The examples of one row as it is being edited (the page asks as the admin types).
    Changes nothing."""
    severity = request.args.get("severity", "")
    if severity not in SEVERITIES:
        abort(404)
    row = SlaRowForm(formdata=request.args, prefix=severity)
    if not row.validate():
        first_error = next(iter(row.errors.values()))[0]
        return {"ok": False, "lines": [f"No example yet: {first_error}"]}
    shown = sla_admin.preview(row.settings(), utcnow())
    return {"ok": True, "lines": shown.lines, "warnings": shown.warnings}


def _previews(form: SlaPoliciesForm) -> dict[str, sla_admin.SlaPreview]:
    """The examples of each row whose values make a valid policy."""
    now = utcnow()
    previews = {}
    for severity, row in form.rows():
        if row.errors:
            continue
        settings = row.form.settings()
        try:
            sla_admin.check_policy(settings)
        except RuleError:
            continue
        previews[severity] = sla_admin.preview(settings, now)
    return previews


def _example_context() -> dict:
    calendar = sla_admin.example_calendar()
    return {
        "example_zone": calendar.zone.key,
        "example_hours": f"{calendar.start:%H:%M}\N{EN DASH}{calendar.end:%H:%M}",
        "standard_day_hours": sla_admin.STANDARD_DAY_HOURS,
    }


# --- holidays ----------------------------------------------------------------------------------


@bp.route("/holidays", methods=["GET", "POST"])
@roles_required("admin")
def holidays():
    """The list, and two forms: one holiday by hand, or a country's holidays of a year.
    Both post here, so that a mistake is shown next to its field on this same page."""
    today = utcnow().date()
    add_form = HolidayForm()
    import_form = HolidayImportForm(data={"import_year": today.year})
    add_form.team.choices = import_form.import_team.choices = id_choices(
        teams.all_teams(), "All teams"
    )
    import_form.import_country.choices = [
        ("", "Choose a country"),
        *countries.supported_countries().items(),
    ]
    if add_form.submit.data and add_form.validate_on_submit():
        done = _add_holiday(add_form)
    elif import_form.chosen_source() and import_form.validate_on_submit():
        done = _add_public_holidays(import_form)
    else:
        done = False
    if done:
        return redirect(url_for("admin.holidays"))
    pagination = db.paginate(
        sla_admin.holidays_query(today),
        page=request.args.get("page", 1, type=int),
        per_page=HOLIDAYS_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "admin/holidays.html",
        add_form=add_form,
        import_form=import_form,
        pagination=pagination,
        team_names=sla_admin.team_names(),
        today=today,
    )


def _add_holiday(form: HolidayForm) -> bool:
    try:
        holiday = sla_admin.add_holiday(form.day.data, form.name.data, form.team.data)
    except RuleError as exc:
        show_rule_error(form, exc)
        return False
    whom = "every team" if holiday.team_id is None else sla_admin.team_names()[holiday.team_id]
    flash(f"{holiday.day.isoformat()} ({holiday.name}) is a holiday for {whom}.", "success")
    return True


def _add_public_holidays(form: HolidayImportForm) -> bool:
    try:
        result = sla_admin.add_public_holidays(
            form.chosen_source(), form.import_year.data, form.import_team.data
        )
    except RuleError as exc:
        exc.field = f"import_{exc.field}" if exc.field else None
        show_rule_error(form, exc)
        return False
    team_id = form.import_team.data
    whom = "every team" if team_id is None else sla_admin.team_names()[team_id]
    if result.added:
        message = f"Added {len(result.added)} {result.label} of {result.year} for {whom}."
        if result.already:
            message += f" {result.already} were there already."
        flash(message, "success")
    else:
        flash(f"The {result.label} of {result.year} were all there already for {whom}.", "info")
    return True


@bp.post("/holidays/<int:holiday_id>/delete")
@roles_required("admin")
def delete_holiday(holiday_id: int):
    holiday = db.get_or_404(Holiday, holiday_id)
    sla_admin.delete_holiday(holiday)
    flash(
        f"{holiday.day.isoformat()} ({holiday.name}) is no longer a holiday. "
        "Cases already open keep their deadlines.",
        "success",
    )
    back = {"page": page} if (page := request.form.get("page", type=int)) else {}
    return redirect(url_for("admin.holidays", **back))
