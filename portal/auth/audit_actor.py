"""Who is acting in this request, for the audit trail (services/audit.py asks, knowing nothing
of Flask): the logged-in staff user, or "anonymous", with the client's address (the proxy's
X-Forwarded-For is trusted only as far as PROXY_HOPS says, see portal/__init__.py)."""

from __future__ import annotations

from flask import has_request_context, request
from flask_login import current_user

from portal.services import audit


def request_actor() -> audit.Actor | None:
    if not has_request_context():
        return None
    ip = request.remote_addr
    if current_user and current_user.is_authenticated:
        return audit.Actor("staff", current_user.id, current_user.email, ip)
    return audit.Actor("anonymous", ip=ip)


def init_app() -> None:
    audit.set_actor_source(request_actor)
