"""Security headers on every response, no caching of pages reached through tokens, and no
NUL characters in what a request sends."""

from __future__ import annotations

import functools

from flask import Flask, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
    "object-src 'none'"
)


def token_page(view):
    """For pages reached through a secret link: not cached, and the link never leaks
    through a Referer header to another site."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        response = current_app.make_response(view(*args, **kwargs))
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        return response

    return wrapped


def _sends_nul() -> bool:
    """A NUL character anywhere in the query, the form or a JSON body. No person types one,
    and PostgreSQL cannot store or even compare it: psycopg raised and the page answered 500."""
    for key, values in [*request.args.lists(), *request.form.lists()]:
        if "\x00" in key or any("\x00" in value for value in values):
            return True
    return request.is_json and b"\\u0000" in request.get_data()


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed session cookie, its signing serializer kept while the keys stay the
    same (Flask builds one to read the cookie and one to write it, on every request)."""

    _kept: tuple | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()

    @app.before_request
    def refuse_nul():
        if _sends_nul():
            abort(400)

    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if request.endpoint and request.endpoint != "static":
            # Staff pages show personal data: keep them out of shared caches.
            response.headers.setdefault("Cache-Control", "private, no-cache")
        return response
