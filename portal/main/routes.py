"""Each role's home page, a staff member's own settings, and the company's logo and colour
for the customer pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_login import current_user

from portal.auth.access import ANY_STAFF, roles_required
from portal.form_helpers import show_rule_error
from portal.main.forms import MySettingsForm
from portal.models import utcnow
from portal.services import organisation as company
from portal.services.cases import overview
from portal.services.rules import RuleError
from portal.services.staff import solo, time_zones
from portal.timefmt import staff_time, staff_zone_words

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if not solo.has_users():  # a new install: the first-run page makes its one account
        return redirect(url_for("solo.first_run"))
    return redirect(url_for("auth.login"))


@bp.get("/home")
@roles_required(*ANY_STAFF)
def home():
    now = utcnow()
    if current_user.is_rep or solo.is_solo_install():  # a seller on their own: their work
        data = overview.rep_overview(current_user, now)
        return render_template("main/home_rep.html", data=data, now=now)
    data = overview.team_overview(current_user, now)
    counts = overview.portal_counts() if current_user.is_admin else None
    return render_template("main/home_manager.html", data=data, counts=counts, now=now)


@bp.get("/healthz")
def healthz():
    """For load balancers: the process is up (it does not touch the database)."""
    return {"status": "ok"}


@bp.route("/settings", methods=["GET", "POST"])
@roles_required(*ANY_STAFF)
def my_settings():
    """The zone this person reads times in; unset, their team's calendar zone."""
    team_zone = staff_zone_words(time_zones.team_zone_of(current_user))
    form = MySettingsForm(
        f"My team's time zone ({team_zone})", data={"time_zone": current_user.time_zone or ""}
    )
    if form.validate_on_submit():
        try:
            time_zones.set_time_zone(current_user, form.time_zone.data or None)
        except RuleError as exc:
            show_rule_error(form, exc)
        else:
            zone = staff_zone_words(time_zones.zone_of(current_user))
            flash(f"Saved: times are now shown in {zone}.", "success")
            return redirect(url_for("main.my_settings"), code=303)
    sample = staff_time(utcnow(), time_zones.zone_of(current_user))
    status = 422 if form.errors else 200
    return render_template("main/settings.html", form=form, sample=sample), status


# --- the company on customer pages (public: the logo and colour show on customer pages) ---

CACHE_FOR_A_YEAR = "public, max-age=31536000, immutable"


@bp.get("/organisation/logo")
def organisation_logo():
    """The logo, from instance/organisation/. Its URL carries its version (?v=), so it may be
    cached for a year: a new logo gets a new URL."""
    found = company.logo_file(company.organisation(), current_app.config["ORGANISATION_DIR"])
    if found is None:
        abort(404)
    path, media_type = found
    response = send_file(path, mimetype=media_type, conditional=True, max_age=31536000)
    response.headers["Cache-Control"] = CACHE_FOR_A_YEAR
    return response


@bp.get("/organisation/brand.css")
def brand_css():
    """The brand colour as a stylesheet (the CSP allows no inline style); its URL carries the
    colour, so it is cached for a year too."""
    colour = company.organisation().brand_colour or "#15304d"
    css = f".public-header{{background:{colour};border-bottom-color:{colour};}}\n"
    response = current_app.response_class(css, mimetype="text/css")
    response.headers["Cache-Control"] = CACHE_FOR_A_YEAR
    return response
