"""Each role's home page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import ANY_STAFF, roles_required
from portal.models import utcnow
from portal.services.cases import overview
from portal.services.staff import solo

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
