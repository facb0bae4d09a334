"""The coaching blueprint, shared by its page modules (routes.py: themes; plans.py: plans)."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal.dashboard.forms import PeriodError

bp = Blueprint("coaching", __name__, url_prefix="/coaching")


@bp.errorhandler(PeriodError)
def bad_filter(exc):
    text = f"{exc} Fix the address, or start again from the dashboard."
    return render_template("errors/error.html", code=400, title="Bad filter", text=text), 400
