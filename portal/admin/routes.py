"""Administration: staff accounts and teams."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template

from portal.auth.access import roles_required
from portal.extensions import db
from portal.models import User

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@roles_required("admin")
def users():
    rows = db.session.scalars(sa.select(User).order_by(User.name))
    return render_template("admin/users.html", users=list(rows))
