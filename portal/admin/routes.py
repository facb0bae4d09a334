"""Administration: staff accounts and teams. Admins only; the rules are in services/staff/.

The survey pages (survey_routes.py), the API key pages (api_key_routes.py) and the deadline
pages (sla_routes.py) are on this blueprint too, in modules of their own; they are imported
at the end of this one."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.admin import (  # noqa: F401  (their pages)
    api_key_routes,
    audit_routes,
    customer_data_routes,
    failed_work_routes,
    organisation_routes,
    sla_routes,
    status_routes,
    survey_routes,
    webhook_routes,
)
from portal.admin.common import bp
from portal.admin.forms import (
    TeamForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    id_choices,
    team_form_data,
    timezone_choices,
)
from portal.auth import session as auth_session
from portal.auth.access import roles_required
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import Team, User, utcnow
from portal.services import rules
from portal.services.cases import cover
from portal.services.staff import accounts
from portal.services.staff import teams as staff_teams

USERS_PER_PAGE = 50


def cover_note(moved: int) -> str:
    """What saving an absence did to cases right away (services/cases/cover.py)."""
    if not moved:
        return ""
    return f" {moved} {'case' if moved == 1 else 'cases'} moved at once (to the stand-in, or back)."


# --- users ------------------------------------------------------------------------------------


@bp.get("/users")
@roles_required("admin")
def users():
    filters = UserFilterForm(formdata=request.args)
    filters.team.choices = [
        SelectChoice("", "Any team"),
        SelectChoice("none", "No team"),
        *(SelectChoice(str(team.id), team.name) for team in staff_teams.all_teams()),
    ]
    search = _user_search(filters)
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(
        accounts.users_query(search), page=page, per_page=USERS_PER_PAGE, error_out=False
    )
    page_args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "admin/users.html",
        filters=filters,
        pagination=pagination,
        page_args=page_args,
        now=utcnow(),
    )


def _user_search(filters: UserFilterForm) -> accounts.UserSearch:
    """The filters as a search; a value that is not one of the choices is ignored."""
    filters.validate()
    valid = {field.name: field.data for field in filters if not field.errors}
    team = valid.get("team") or ""
    return accounts.UserSearch(
        text=valid.get("q") or "",
        role=valid.get("role") or None,
        team_id=accounts.NO_TEAM if team == "none" else (int(team) if team else None),
        active={"active": True, "inactive": False}.get(valid.get("status")),
    )


@bp.route("/users/new", methods=["GET", "POST"])
@roles_required("admin")
def new_user():
    form = UserCreateForm()
    form.team.choices = id_choices(staff_teams.all_teams(), "No team")
    if form.validate_on_submit():
        try:
            user = accounts.create_staff_user(
                form.email.data, form.name.data, form.role.data, form.team.data
            )
        except rules.RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(
                f"{user.name} is added. A link to set a password is on its way to {user.email}.",
                "success",
            )
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    now = utcnow()
    form = UserEditForm(
        data={
            "name": user.name,
            "role": user.role,
            "team": user.team_id,
            "away_from": accounts.away_from_date(user, now),
            "away_until": accounts.away_until_date(user, now),
            "stand_in": user.stand_in_id,
        }
    )
    form.team.choices = id_choices(staff_teams.all_teams(), "No team")
    form.stand_in.choices = id_choices(accounts.stand_in_candidates(user), "No stand-in")
    if form.validate_on_submit():
        try:
            accounts.update_user(
                current_user,
                user,
                name=form.name.data,
                role=form.role.data,
                team_id=form.team.data,
                back_on=form.away_until.data,
                stand_in_id=form.stand_in.data,
                today=now.date(),
                away_on=form.away_from.data,
            )
        except rules.RuleError as exc:
            show_rule_error(form, exc)
        else:
            moved = cover.refresh_cover_of(user, now)
            flash(f"Changes to {user.name} are saved.{cover_note(moved)}", "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        now=now,
        sessions=auth_session.session_count(user),
    )


@bp.post("/users/<int:user_id>/deactivate")
@roles_required("admin")
def deactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        released = accounts.deactivate_user(current_user, user)
    except rules.RuleError as exc:
        flash(exc.message, "error")
    else:
        message = f"{user.name} is deactivated and logged out everywhere."
        if released:
            names = ", ".join(u.name for u in released)
            message += f" They are no longer the stand-in for {names}."
        flash(message, "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/reactivate")
@roles_required("admin")
def reactivate_user(user_id: int):
    user = db.get_or_404(User, user_id)
    accounts.reactivate_user(user)
    flash(f"{user.name} is active again and can log in.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/logout-everywhere")
@roles_required("admin")
def logout_user_everywhere(user_id: int):
    """A lost laptop, a shared password: end every session of this user at once."""
    user = db.get_or_404(User, user_id)
    auth_session.end_all_sessions(user)
    flash(f"{user.name} is logged out on every device.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.post("/users/<int:user_id>/send-password-link")
@roles_required("admin")
def send_password_link(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        accounts.resend_password_link(user)
    except rules.RuleError as exc:
        flash(exc.message, "error")
    else:
        flash(f"A link to set a password is on its way to {user.email}.", "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


# --- teams ------------------------------------------------------------------------------------


@bp.get("/teams")
@roles_required("admin")
def teams():
    return render_template(
        "admin/teams.html",
        rows=staff_teams.team_rows(),
        describe_calendar=staff_teams.describe_calendar,
    )


@bp.route("/teams/new", methods=["GET", "POST"])
@roles_required("admin")
def new_team():
    form = TeamForm()
    form.lead.choices = id_choices(accounts.lead_candidates(), "No lead yet")
    form.timezone.choices = timezone_choices()
    if form.validate_on_submit():
        try:
            team = staff_teams.create_team(form.name.data, form.lead.data, form.working_calendar())
        except rules.RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"Team {team.name} is added.", "success")
            return redirect(url_for("admin.teams"))
    return render_template("admin/team_form.html", form=form, team=None)


@bp.route("/teams/<int:team_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    form = TeamForm(data=team_form_data(team))
    form.lead.choices = id_choices(accounts.lead_candidates(team), "No lead")
    form.timezone.choices = timezone_choices()
    if form.validate_on_submit():
        try:
            staff_teams.update_team(team, form.name.data, form.lead.data, form.working_calendar())
        except rules.RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"Team {team.name} is saved.", "success")
            return redirect(url_for("admin.teams"))
    return render_template("admin/team_form.html", form=form, team=team, now=utcnow())


# The other admin pages register their views on `bp` when imported: after it is complete.
