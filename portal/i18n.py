"""Which language a page or email is in.

Customers read English or Swedish: pages reached through their personal links use the
customer's own language (set by the view in `g.locale`, through `speak`); other public pages
take the language the customer picked with ?lang=, else the one their last customer page was
in (remembered in the session by `speak` and `pick_public_language`: the complaint form, a
dead link, the public 404), else the browser's Accept-Language. Staff pages are in English.
"""

from __future__ import annotations

from flask import g, has_app_context, has_request_context, request, session

LANGUAGES = ("en", "sv")
SESSION_KEY = "customer_language"


def select_locale() -> str:
    chosen = g.get("locale") if has_app_context() else None
    if chosen in LANGUAGES:
        return chosen
    if has_request_context():
        return request.accept_languages.best_match(LANGUAGES) or "en"
    return "en"


def speak(language: str | None) -> None:
    """This customer page in `language` (the customer's own, or their pick), and the later
    public pages that have no language of their own (the complaint form, a 404) in it too."""
    if language in LANGUAGES:
        g.locale = language
        if session.get(SESSION_KEY) != language:  # else the cookie is signed and sent again
            session[SESSION_KEY] = language


def pick_public_language() -> None:
    """A public page's language: ?lang= when the customer picked one (and remembered), else
    the language of their last customer page, else (nothing set) the browser's."""
    picked = request.args.get("lang")
    if picked in LANGUAGES:
        speak(picked)
    elif session.get(SESSION_KEY) in LANGUAGES:
        g.locale = session[SESSION_KEY]
