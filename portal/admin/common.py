"""The administration blueprint, shared by its route modules (routes.py, survey_routes.py,
api_key_routes.py, sla_routes.py)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
