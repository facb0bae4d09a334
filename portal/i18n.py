"""Which language a page or email is in.

Customers read English or Swedish: pages reached through their personal links use the
customer's own language (set by the view in `g.locale`); other public pages follow the
browser's Accept-Language. Staff pages are in English.
"""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request

LANGUAGES = ("en", "sv")


def select_locale() -> str:
    chosen = g.get("locale") if has_app_context() else None
    if chosen in LANGUAGES:
        return chosen
    if has_request_context():
        return request.accept_languages.best_match(LANGUAGES) or "en"
    return "en"
