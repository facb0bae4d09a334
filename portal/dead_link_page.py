"""The page for a customer's link that no longer works (survey and complaint blueprints): why,
and a way forward: the complaint form, with the order number filled in when the link still
names it (services/dead_links.py), and how to reach customer service (the template includes
`_dead_link_way_forward.html`). In the customer's language when the link names them, unless
they picked one with ?lang=.
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import get_locale

from portal.i18n import LANGUAGES, pick_public_language, speak
from portal.services import dead_links


def dead_link_page(template: str, state: str, purpose: str | None, token: str | None, **context):
    named = dead_links.named_by(purpose, token) if purpose and token else dead_links.NOTHING
    pick_public_language()
    if request.args.get("lang") not in LANGUAGES:
        speak(named.locale)
    language = str(get_locale() or "en")
    form_url = url_for("complaints.new", lang=language, order=named.order_ref)
    return render_template(
        template, state=state, form_url=form_url, order_ref=named.order_ref, **context
    )
