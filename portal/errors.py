"""Error pages: a clear message, never a stack trace.

A page that is not there (404) is shown to a visitor who is not logged in, most likely a
customer who followed an old or mistyped link, as a customer page: the company's frame, no
staff navigation, in their language, with the complaint form and customer service as the way
on. Logged-in staff get the staff page with their navigation."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.i18n import pick_public_language

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Bad request", "Something in that request was not right. Go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is nothing here. The link may be old or mistyped."),
    405: ("Not allowed", "That action is not available here."),
    410: ("Link no longer valid", "This link has expired or was already used."),
    413: ("Too large", "That upload is too large."),
    429: ("Too many attempts", "Too many attempts in a short time. Wait a while and try again."),
    500: ("Something went wrong", "We could not finish that. The problem is logged; try again."),
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _render(code: int, detail: str | None = None):
    title, text = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    if _wants_json():
        return jsonify(error=title, detail=detail or text), code
    if code == 404 and not current_user.is_authenticated:
        return _public_not_found(), code
    return render_template("errors/error.html", code=code, title=title, text=detail or text), code


def _public_not_found() -> str:
    """The customer-style 404, in the language they picked (?lang=), else that of their last
    customer page (a survey, the complaint form), else their browser's."""
    pick_public_language()
    form_url = url_for("complaints.new", lang=str(get_locale() or "en"))
    return render_template("errors/not_found_public.html", form_url=form_url, order_ref=None)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(
            400, "Your session expired or the form was sent twice. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code == 429:
            return _render(429)
        body, code = _render(exc.code or 500)
        response = make_response(body, code)
        # The exception's own headers say what to do next: Allow on a 405 (RFC 9110).
        for name, value in exc.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500)
