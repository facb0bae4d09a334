"""Complaint themes per rep and team (with the cases behind each count), and the admin's
list of themes. Coaching plans are in plans.py, on the same blueprint."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal.auth.access import ANY_STAFF, roles_required
from portal.coaching import panel, plans  # noqa: F401  (register their pages and helpers)
from portal.coaching.common import bp
from portal.coaching.forms import NewThemeForm, ThemeForm
from portal.dashboard.forms import PeriodError, parse_id, parse_period
from portal.extensions import db
from portal.form_helpers import show_rule_error
from portal.models import Theme, utcnow
from portal.services.cases import theme_admin
from portal.services.cases.themes import all_themes, ensure_themes
from portal.services.performance import themes as theme_report
from portal.services.performance.goals import teams_in_scope
from portal.services.rules import RuleError

__all__ = ["bp"]
CASES_PER_PAGE = 50


def _subject():
    subject = theme_report.subject_for(
        current_user, parse_id(request.args, "rep"), parse_id(request.args, "team")
    )
    if subject is None:
        abort(404)
    return subject


@bp.get("/themes")
@roles_required(*ANY_STAFF)
def themes():
    subject, period = _subject(), parse_period(request.args, utcnow())
    return render_template(
        "coaching/themes.html",
        subject=subject,
        period=period,
        rows=theme_report.history(subject, period),
        themes=all_themes(),
        teams=[] if current_user.is_rep else teams_in_scope(current_user),
    )


@bp.get("/themes/cases")
@roles_required(*ANY_STAFF)
def theme_cases():
    subject, period = _subject(), parse_period(request.args, utcnow())
    theme = theme_report.theme_by_key(request.args.get("theme", ""))
    if theme is None:
        raise PeriodError(f"theme must be one of {', '.join(t.key for t in all_themes())}.")
    pagination = db.paginate(
        theme_report.theme_cases(current_user, subject, theme, period),
        page=request.args.get("page", 1, type=int),
        per_page=CASES_PER_PAGE,
        error_out=False,
    )
    return render_template(
        "coaching/theme_cases.html",
        pagination=pagination,
        page_args={k: v for k, v in request.args.items() if k != "page"},
        subject=subject,
        theme=theme,
        period=period,
        now=utcnow(),
    )


@bp.route("/themes/list", methods=["GET", "POST"])
@roles_required("admin")
def theme_list():
    ensure_themes(commit=True)  # the forms need their themes' ids
    new_form = NewThemeForm(prefix="new")
    status = 200
    if new_form.submit.data and new_form.validate_on_submit():
        try:
            theme = theme_admin.add_theme(
                key=new_form.key.data,
                name_en=new_form.name_en.data,
                name_sv=new_form.name_sv.data,
                cues_en=new_form.cues_en.data,
                cues_sv=new_form.cues_sv.data,
            )
        except RuleError as exc:
            show_rule_error(new_form, exc)
        else:
            flash(f"Theme {theme.name_en} added.", "success")
            return redirect(url_for(".theme_list"))
    if new_form.errors:
        status = 422
    return _theme_list(new_form), status


def _theme_list(new_form, posted: tuple[int, ThemeForm] | None = None):
    forms = []
    for theme in all_themes():
        if posted and posted[0] == theme.id:
            forms.append((theme, posted[1]))
        else:
            forms.append((theme, ThemeForm(prefix=f"t{theme.id}", obj=theme)))
    return render_template("coaching/theme_list.html", forms=forms, new_form=new_form)


@bp.post("/themes/<int:theme_id>")
@roles_required("admin")
def update_theme(theme_id: int):
    if db.session.get(Theme, theme_id) is None:
        abort(404)
    form = ThemeForm(prefix=f"t{theme_id}")
    if form.validate_on_submit():
        try:
            theme = theme_admin.update_theme(
                theme_id,
                name_en=form.name_en.data,
                name_sv=form.name_sv.data,
                cues_en=form.cues_en.data,
                cues_sv=form.cues_sv.data,
                active=form.active.data,
            )
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            flash(f"Theme {theme.name_en} saved.", "success")
            return redirect(url_for(".theme_list", _anchor=f"theme-{theme_id}"))
    return _theme_list(NewThemeForm(prefix="new"), (theme_id, form)), 422
