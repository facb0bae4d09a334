"""Template filters and globals."""

from __future__ import annotations

import re
from datetime import UTC, datetime, tzinfo

from flask import Flask, g, has_request_context
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup, escape

from portal import timefmt
from portal.money import format_money
from portal.services.cases.assignment import triage_count as count
from portal.services.cases.joining import was_added
from portal.services.cases.rules import can_manage
from portal.services.organisation import OrganisationView, organisation
from portal.services.staff.time_zones import zone_of
from portal.support_contact import support_contact

_QUOTED = re.compile(r'"([^"]+)"')


def reason_parts(reason: str) -> list[tuple[str, bool]]:
    """A stored reason of the analysis as (text, quoted) parts: the reason is written for
    staff ('Swedish cue "snabb"', "rating 4/5"); a quoted part is the customer's own words,
    which a page shows as a quotation in the customer's language (cases/_labels.html)."""
    parts = _QUOTED.split(reason)  # odd positions: what was inside the quotes
    return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]


@pass_context
def staff_dt(context, value: datetime | None, fmt: str | None = None) -> str:
    """A moment in the reader's zone, the zone named: "Mon 7 Dec 12:00 Stockholm time". The
    reader is `reader_zone` of the template (a staff email) or the logged-in user. With a
    strftime `fmt` ("%Y-%m-%d"), just that, in the reader's zone."""
    tz = context.get("reader_zone") or viewer_zone()
    if fmt:
        return timefmt.staff_date(value, tz, fmt)
    return timefmt.staff_time(value, tz, context.get("now"))


# A moment written into stored text ("Resolve by 2026-12-07 16:00 UTC." in a timeline entry):
# shown in the reader's zone like every other staff time.
UTC_IN_TEXT = re.compile(r"\b(\d{4}-\d{2}-\d{2}) (\d{2}):(\d{2}) UTC\b")


def staff_times_in_text(context, text: str | None) -> str:
    """`text` with each "YYYY-MM-DD HH:MM UTC" written as the reader's time (staff_dt)."""
    if not text:
        return text or ""

    def local(match: re.Match) -> str:
        day, hour, minute = match.groups()
        moment = datetime.fromisoformat(f"{day}T{hour}:{minute}:00").replace(tzinfo=UTC)
        return staff_dt(context, moment)

    return UTC_IN_TEXT.sub(local, text)


def viewer_zone() -> tzinfo:
    """The zone of whoever reads this page: a logged-in staff member's own (once per request),
    else the company's."""
    if "viewer_zone" not in g:
        user = current_user if has_request_context() else None
        g.viewer_zone = zone_of(user if user is not None and user.is_authenticated else None)
    return g.viewer_zone


def current_organisation() -> OrganisationView:
    """The company on customer pages and emails (services/organisation.py), read once per
    request or job."""
    if "organisation" not in g:
        g.organisation = organisation()
    return g.organisation


def _nav_context() -> dict:
    """What the navigation needs from the database, as callables: computed only if the page
    shows it (an error page for a database outage shows none), and once per request."""

    def triage_count() -> int:

        if "triage_count" not in g:
            user = current_user
            g.triage_count = count(user) if user.is_authenticated and can_manage(user) else 0
        return g.triage_count

    return {"triage_count": triage_count}


def _translations():
    """The translations of the page being rendered, looked up once per request and language
    (Flask-Babel looks up the locale, the domain and its cache on every string: a page has
    dozens). A forced locale (an email in the customer's language) is another locale object,
    so it is looked up anew, and so is the page's own again afterwards."""
    locale = get_locale()
    if locale is None:  # no request or app context: Flask-Babel's null translations
        return get_translations()
    kept = g.get("_portal_translations")
    if kept is None or kept[0] is not locale:
        kept = g._portal_translations = (locale, get_translations())
    return kept[1]


# One option of a rating question, as templates/survey/_questions.html's `rating_scale` wrote
# it with a Jinja loop (the same bytes), by (name, id, required, value, label, selected).
_OPTION = (
    '\n    <div class="rating-option">\n      <input {checked}class="btn-check" id="{id}" '
    'name="{name}"{required} type="radio" value="{value}">\n      <label class="btn '
    'btn-outline-primary" for="{id}">{label}</label>\n    </div>\n    '
)
_OPTIONS: dict[tuple, str] = {}


def rating_options(question) -> Markup:
    """The radio buttons of a rating question (a WTForms RadioField). Each option's markup is
    written once per process and language, then only looked up: escaping the 16 radios of
    the survey page in a Jinja loop on every request was a sixth of rendering it (py-spy)."""
    required = bool(question.flags.required)
    html = []
    for index, choice in enumerate(question.iter_choices()):
        label = str(choice.label)  # a lazy label, in the page's language
        key = (question.name, question.id, required, choice.value, label, choice.selected)
        option = _OPTIONS.get(key)
        if option is None:
            option = _OPTIONS[key] = _OPTION.format(
                checked="checked " if choice.selected else "",
                id=escape(f"{question.id}-{index}"),
                name=escape(question.name),
                required=" required" if required else "",
                value=escape(choice.value),
                label=escape(choice.label),
            )
        html.append(option)
    return Markup("".join(html))  # noqa: S704  (every value in it escaped above)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["rating_options"] = rating_options
    # Flask-Babel's callables, reading the translations kept for the request.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters["timeleft"] = timefmt.time_left
    app.jinja_env.filters["dt"] = staff_dt
    app.jinja_env.filters["times_in_text"] = pass_context(staff_times_in_text)
    # Money in the reader's locale, on every page and email (portal/money.py).
    app.jinja_env.filters["money"] = format_money
    app.jinja_env.filters["reason_parts"] = reason_parts
    app.jinja_env.filters["age"] = timefmt.age
    # "survey answer" / "complaint form" for words added to an open case, else None.
    app.jinja_env.filters["added_from"] = was_added
    # Customer pages and emails: their zone and language (the view or job passes `tz`).
    app.jinja_env.filters["local_time"] = timefmt.customer_time
    app.jinja_env.filters["zone_city"] = lambda tz: timefmt.zone_city(tz, str(get_locale()))
    app.jinja_env.filters["zone_words"] = timefmt.customer_zone_words
    app.jinja_env.globals["organisation"] = current_organisation
    app.jinja_env.globals["support_contact"] = support_contact  # templates/_support_contact.html
    app.context_processor(_nav_context)
