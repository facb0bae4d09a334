"""The portal as an attacker meets it: forged requests, forged and stale links, extra form
fields, hostile text shown to staff, hostile search strings, and the headers and cookie flags
that keep a browser on our side.

The URLs come from the app's own url_map and the world of test_access_table.py (beside this file),
so a new route is covered here as soon as it has its line in access_table.py. Login throttling,
single links and their friendly pages have their own tests (test_auth.py, test_survey_pages.py,
test_complaints.py); this file checks the same properties across every route at once.
"""

from __future__ import annotations

import re
import time
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from portal import create_app
from portal.extensions import db, limiter
from portal.models import Case, Complaint, Customer, SurveyResponse, User
from portal.services.staff import api_keys
from portal.services.surveys.schedule import get_policy
from portal.tokens import PURPOSES

from ..conftest import PASSWORD, csrf_from, submit
from .test_access_table import _world, route_keys, url_for_rule

# Routes that take a POST without a CSRF token, and why. Any other POST must refuse one.
CSRF_EXEMPT = {
    "POST api.create_sales": "authenticated by an API key header, never by a cookie",
    "POST survey.unsubscribe": "RFC 8058 one-click unsubscribe: mail providers post with no cookie",
}

# Which purpose each emailed link is signed for (tokens made for another purpose must fail).
LINK_PURPOSES = {
    "survey.answer": "survey",
    "survey.thanks": "survey",
    "survey.opened": "survey",
    "complaints.from_survey": "survey",
    "survey.unsubscribe": "unsubscribe",
    "complaints.confirm": "complaint-confirm",
    "complaints.status": "complaint-status",
    "complaints.case_status": "case-status",
    "auth.set_password": "set-password",
}


@pytest.fixture
def world(app, make_team, make_user, make_sale):
    built = _world(make_team, make_user, make_sale)
    get_policy()  # the default survey policy row is made on first use: make it now
    db.session.commit()
    return built


def snapshot() -> dict[str, list[str]]:
    """Every row of every table, as text: two equal snapshots mean nothing was written."""
    db.session.expire_all()
    rows = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            rows[table.name] = sorted(repr(tuple(r)) for r in conn.execute(table.select()))
    return rows


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def logged_in(app, user):
    client = app.test_client()
    response = submit(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, f"{user.email} could not log in"
    return client


# --- CSRF ------------------------------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app, world):
    """As an admin (who may post everything) holding the customer's real links: only the
    missing token can be the reason for a refusal."""
    admin = world["personas"]["admin"]
    client = logged_in(app, admin)
    posts = {key: rule for key, rule in route_keys(app).items() if key.startswith("POST ")}
    assert "POST auth.logout" in posts  # the url_map is really being read
    before = snapshot()
    accepted = []
    for key, rule in sorted(posts.items()):
        if key in CSRF_EXEMPT:
            continue
        url = url_for_rule(rule, world, "link")
        response = client.post(url, data={"role": "admin", "text": "No token here"})
        if response.status_code != 400:
            accepted.append(f"  {key} {url}: {response.status_code}")
    assert not accepted, "POSTs taken without a CSRF token:\n" + "\n".join(accepted)
    assert changed_tables(before, snapshot()) == []
    assert client.get("/home").status_code == 200  # the refused logout did not log out


def test_only_the_listed_routes_are_exempt_from_csrf(app):
    from portal.extensions import csrf

    exempt_views = set(csrf._exempt_views)
    exempt_blueprints = set(csrf._exempt_blueprints)
    found = set()
    for key, rule in route_keys(app).items():
        if not key.startswith("POST "):
            continue
        view = app.view_functions[rule.endpoint]
        name = f"{view.__module__}.{view.__name__}"
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        if name in exempt_views or blueprint in exempt_blueprints:
            found.add(key)
    assert found == set(CSRF_EXEMPT)


def test_a_token_from_another_session_is_refused(app, world, client):
    """A CSRF token copied from the attacker's own session does not work in the victim's."""
    attacker = app.test_client()
    stolen = csrf_from(attacker.get("/complaint").get_data(as_text=True))
    victim = logged_in(app, world["personas"]["rep"])
    case_id = world["ids"]["case_id"]
    before = snapshot()
    response = victim.post(
        f"/cases/{case_id}/note", data={"csrf_token": stolen, "note-text": "Planted note"}
    )
    assert response.status_code == 400
    assert changed_tables(before, snapshot()) == []


# --- emailed links ---------------------------------------------------------------------------


def tampered(token: str) -> str:
    """The same payload and timestamp with one character in the middle of the signature
    changed (the last base64 character may carry only padding bits)."""
    body, _, signature = token.rpartition(".")
    middle = len(signature) // 2
    swapped = "A" if signature[middle] != "A" else "B"
    return f"{body}.{signature[:middle]}{swapped}{signature[middle + 1 :]}"


def signed_for(purpose: str, payload, secret: str, age_seconds: int = 0) -> str:
    serializer = URLSafeTimedSerializer(secret, salt=f"aftersale:{purpose}")
    if not age_seconds:
        return serializer.dumps(payload)
    real = TimestampSigner.get_timestamp
    TimestampSigner.get_timestamp = lambda self: int(time.time()) - age_seconds
    try:
        return serializer.dumps(payload)
    finally:
        TimestampSigner.get_timestamp = real


def payload_of(app, purpose: str, token: str):
    return URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=f"aftersale:{purpose}").loads(
        token
    )


def forgeries(app, endpoint: str, real: str) -> dict[str, str]:
    purpose = LINK_PURPOSES[endpoint]
    payload = payload_of(app, purpose, real)
    secret = app.config["SECRET_KEY"]
    forged = {
        "tampered": tampered(real),
        "truncated": real[: len(real) // 2],
        "other key": signed_for(purpose, payload, "someone-elses-key-0123456789abcdef"),
        "four years old": signed_for(purpose, payload, secret, age_seconds=4 * 365 * 86400),
        "unsigned payload": real.split(".")[0],
        "sql": "1' OR '1'='1",
    }
    for other in PURPOSES:
        if other != purpose:
            forged[f"made for {other}"] = signed_for(other, payload, secret)
    return forged


def test_forged_stale_and_cross_purpose_links_open_nothing_and_change_nothing(app, world):
    """Every emailed link, each forged a dozen ways, GET and POST: refused (404 or 410, or
    the survey's "closed" thank-you), nothing stored, nothing of the customer shown."""
    routes = route_keys(app)
    assert {rule.endpoint for rule in routes.values() if "token" in rule.arguments} == set(
        LINK_PURPOSES
    ), "a new emailed-link route: add its purpose to LINK_PURPOSES"
    secrets_on_page = ("Ann Kund", "ann@example.org", "Broken on arrival", "ORD-")
    before = snapshot()
    opened = []
    for key, rule in sorted(routes.items()):
        if "token" not in rule.arguments:
            continue
        method = key.split(" ")[0]
        real = world["tokens"][rule.endpoint]
        for how, token in forgeries(app, rule.endpoint, real).items():
            client = app.test_client()
            csrf = csrf_from(client.get("/complaint").get_data(as_text=True))
            url = rule.build({"token": token}, append_unknown=False)[1]
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf, "satisfaction": "5"})
            body = response.get_data(as_text=True)
            leaked = [s for s in secrets_on_page if s in body]
            refused = response.status_code in (404, 410) or (
                # the thank-you page sends a link without an answer to the survey page,
                # which then refuses it
                rule.endpoint == "survey.thanks"
                and response.status_code == 302
                and unquote(urlsplit(response.headers["Location"]).path) == f"/s/{token}"
            )
            if not refused or leaked:
                opened.append(f"  {key} with a {how} link: {response.status_code} {leaked}")
    assert not opened, "forged links that were not refused:\n" + "\n".join(opened)
    assert changed_tables(before, snapshot()) == []


def test_a_set_password_link_works_once(app, client, world):
    target = db.session.get(User, world["ids"]["user_id"])
    url = f"/password/set/{world['tokens']['auth.set_password']}"
    new = {"password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    form = client.get(url).get_data(as_text=True)
    names = set(re.findall(r'name="([^"]+)"', form))
    data = {name: new["password"] for name in names if "password" in name or "confirm" in name}
    response = client.post(url, data={"csrf_token": csrf_from(form), **data})
    assert response.status_code == 302
    hash_after_first_use = db.session.get(User, target.id).password_hash
    # The same link again, as someone who found it in the mailbox later.
    again = app.test_client()
    assert again.get(url).status_code == 410
    page = again.get("/complaint").get_data(as_text=True)
    replay = again.post(url, data={"csrf_token": csrf_from(page), **data})
    assert replay.status_code == 410
    db.session.expire_all()
    assert db.session.get(User, target.id).password_hash == hash_after_first_use


# --- extra form fields (mass assignment) ------------------------------------------------------

EXTRAS = {
    "id": "999",
    "role": "admin",
    "is_admin": "y",
    "active": "y",
    "assigned_rep_id": "{rep2}",
    "customer_id": "{rep2}",
    "sale_id": "1",
    "user_id": "{rep2}",
    "team_id": "1",
    "status": "closed",
    "severity": "low",
    "confirmed_at": "2020-01-01T00:00:00",
    "analysed_at": "2020-01-01T00:00:00",
    "password_hash": "x",
    "session_token": "x",
    "email": "attacker@example.net",
    "satisfaction_after": "5",
}


def extras(world) -> dict:
    rep2 = str(world["personas"]["rep2"].id)
    return {k: v.replace("{rep2}", rep2) for k, v in EXTRAS.items()}


class Forms(HTMLParser):
    """The forms of a page: action -> {field name: value} of its inputs."""

    def __init__(self, html: str):
        super().__init__()
        self.forms: dict[str, dict[str, str]] = {}
        self.current = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.current = self.forms.setdefault(urlsplit(attrs.get("action") or "").path, {})
        elif self.current is not None and tag in ("input", "textarea", "select"):
            name = attrs.get("name")
            if name and attrs.get("type") not in ("submit", "checkbox", "radio"):
                self.current.setdefault(name, attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None


def form_on(client, page: str, action: str) -> dict[str, str]:
    forms = Forms(client.get(page).get_data(as_text=True)).forms
    if "" in forms:  # a form without an action posts to its own page
        forms.setdefault(urlsplit(page).path, forms.pop(""))
    assert action in forms, f"no form posting to {action} on {page}: {sorted(forms)}"
    return dict(forms[action])


def test_extra_fields_on_the_survey_and_complaint_forms_are_ignored(app, client, world):
    before_customers = db.session.scalar(sa.select(sa.func.count()).select_from(Customer))
    token = world["tokens"]["survey.answer"]
    fields = form_on(client, f"/s/{token}", f"/s/{token}")
    response = client.post(
        f"/s/{token}",
        data={**extras(world), **fields, "satisfaction": "4", "comment": "Fine now."},
    )
    assert response.status_code == 303
    db.session.expire_all()
    [answer] = db.session.scalars(sa.select(SurveyResponse)).all()
    assert (answer.satisfaction, answer.comment) == (4, "Fine now.")
    assert answer.invitation_id == payload_of(app, "survey", token)

    fields = form_on(client, "/complaint", "/complaint")
    response = client.post(
        "/complaint",
        data={
            **extras(world),
            **fields,
            "email": "eve@example.org",
            "name": "Eve",
            "order_ref": "NOPE-1",
            "category": "billing",
            "description": "I was charged twice for one chair.",
            "contact_preference": "email",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    complaint = db.session.scalars(sa.select(Complaint).where(Complaint.name == "Eve")).one()
    assert complaint.id != 999
    assert complaint.confirmed_at is None and complaint.analysed_at is None
    assert complaint.sale_id is None  # the order ref matched no sale; sale_id=1 was ignored
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Customer)) in (
        before_customers,
        before_customers + 1,
    )


def test_extra_fields_on_staff_forms_are_ignored(app, world):
    rep = world["personas"]["rep"]
    rep2 = world["personas"]["rep2"]
    case_id = world["ids"]["case_id"]
    client = logged_in(app, rep)
    fields = form_on(client, f"/cases/{case_id}", f"/cases/{case_id}/note")
    text_field = next(name for name in fields if name.endswith("text"))
    response = client.post(
        f"/cases/{case_id}/note",
        data={**extras(world), **fields, text_field: "Called, will call back."},
    )
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    assert case.assigned_rep_id == rep.id and case.status == "open" and case.severity == "high"
    me = db.session.get(User, rep.id)
    assert (me.role, me.email, me.active) == ("rep", rep.email, True)
    assert db.session.get(User, rep2.id).role == "rep"

    # An admin editing a user changes what the form offers, and nothing else.
    admin_client = logged_in(app, world["personas"]["admin"])
    target_id = world["ids"]["user_id"]
    target = db.session.get(User, target_id)
    hash_before, token_before = target.password_hash, target.session_token
    fields = form_on(
        admin_client, f"/admin/users/{target_id}/edit", f"/admin/users/{target_id}/edit"
    )
    fields = {k: v for k, v in fields.items() if k not in ("password_hash", "session_token")}
    response = admin_client.post(
        f"/admin/users/{target_id}/edit",
        data={
            **fields,
            "id": "1",
            "password_hash": "plain",
            "session_token": "chosen",
            "name": "Tage Renamed",
            "role": "rep",
        },
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    target = db.session.get(User, target_id)
    assert target.name == "Tage Renamed"
    assert target.password_hash == hash_before and target.session_token == token_before


# --- hostile text shown to staff --------------------------------------------------------------

XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>\"'><svg/onload=alert(3)>"


class Scripts(HTMLParser):
    """What would run in a browser: inline scripts, event handler attributes, svg/img."""

    def __init__(self, html: str):
        super().__init__()
        self.found: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and not attrs.get("src"):
            self.found.append("inline <script>")
        if tag == "svg" or (tag == "img" and attrs.get("src") == "x"):
            self.found.append(f"<{tag}> from customer text")
        self.found += [f"{tag} {name}=" for name in attrs if name.startswith("on")]


def test_scripts_in_every_customer_text_field_are_shown_to_staff_as_text(
    app, client, world, run_jobs
):
    """The customer's name (from the shop), survey comment, complaint name, order number and
    description, and a reply on the case page all carry a payload; every staff page that
    shows them shows text."""
    _, key = api_keys.create_key("Shop", None)
    rep = world["personas"]["rep"]
    sale = {
        "order_ref": "XSS-1",
        "sold_at": "2026-11-20T10:00:00+00:00",
        "customer_email": "mallory@example.org",
        "customer_name": XSS,
        "rep_email": rep.email,
        "amount": "10.00",
        "currency": "SEK",
        "product": XSS,
    }
    assert (
        client.post(
            "/api/v1/sales", json=sale, headers={"Authorization": f"Bearer {key}"}
        ).status_code
        == 201
    )
    # The world's customer answers the survey again, now with a payload.
    token = world["tokens"]["survey.answer"]
    fields = form_on(client, f"/s/{token}", f"/s/{token}")
    assert (
        client.post(f"/s/{token}", data={**fields, "satisfaction": "1", "comment": XSS}).status_code
        == 303
    )
    # A complaint from the public form, confirmed from its link.
    fields = form_on(client, "/complaint", "/complaint")
    assert (
        client.post(
            "/complaint",
            data={
                **fields,
                "email": "mallory@example.org",
                "name": XSS[:150],
                "order_ref": "<svg/onload=alert(4)>",
                "category": "other",
                "description": XSS,
                "contact_preference": "email",
            },
        ).status_code
        == 303
    )
    complaint = db.session.scalars(
        sa.select(Complaint).where(Complaint.email == "mallory@example.org")
    ).one()
    from portal.services.complaints import confirm_token

    confirm = f"/complaint/confirm/{confirm_token(complaint)}"
    assert client.post(confirm, data=form_on(client, confirm, confirm)).status_code == 303
    # The customer writes back on the world's case page.
    status = f"/status/{world['tokens']['complaints.case_status']}"
    fields = form_on(client, status, status)
    body_field = (
        next(name for name in fields if name != "csrf_token") if len(fields) > 1 else "body"
    )
    client.post(status, data={**fields, body_field: XSS})
    run_jobs()

    db.session.expire_all()
    cases = db.session.scalars(sa.select(Case)).all()
    assert len(cases) >= 2  # the world's case and the complaint's
    pages = ["/home", "/cases/", "/cases/?status=all", "/cases/triage", "/cases/corrections"]
    pages += [f"/cases/{c.id}" for c in cases]
    pages += ["/admin/surveys/invitations", "/admin/surveys/unsubscribed", "/admin/users"]
    admin = logged_in(app, world["personas"]["admin"])
    manager = logged_in(app, world["personas"]["mgr"])
    rep_client = logged_in(app, rep)
    shown = []
    for who, staff in (("rep", rep_client), ("manager", manager), ("admin", admin)):
        for page in pages:
            response = staff.get(page)
            if response.status_code != 200:
                continue
            html = response.get_data(as_text=True)
            scripts = Scripts(html).found
            raw = [p for p in ("<script>alert", "<img src=x", "<svg/onload") if p in html]
            if scripts or raw:
                shown.append(f"  {who} {page}: {scripts} {raw}")
    assert not shown, "customer text that would run in a staff browser:\n" + "\n".join(shown)
    # And the payload really is on the case page, as text.
    case_page = rep_client.get(f"/cases/{world['ids']['case_id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in case_page


# --- hostile search strings and filters -------------------------------------------------------

SQL = [
    "' OR '1'='1",
    "1; DROP TABLE cases; --",
    "%' UNION SELECT password_hash, email FROM users --",
    "\\",
    "%_%",
    "1 OR 1=1",
    "-1",
    "99999999999999999999999",
    "x" * 3000,
    "\u202e\u0000nul",
]
FILTER_PARAMS = (
    "q", "status", "severity", "rep", "team", "overdue", "page", "role", "state", "period",
    "start", "figure", "rank", "lang", "next", "score", "sort", "kind",
)  # fmt: skip


def test_hostile_search_and_filter_values_are_harmless(app, world):
    """Every page that takes no link, with every filter parameter set to each hostile value,
    as a rep and as an admin: never a 500, nothing written, and a rep's search still shows
    only their own cases."""
    other_case = Case(
        source="staff",
        customer=Customer(email="zed@example.org", name="Zed Secret"),
        assigned_rep=world["personas"]["rep2"],
        subject="Only rep B may see this",
    )
    db.session.add(other_case)
    db.session.commit()
    routes = {
        key: rule
        for key, rule in route_keys(app).items()
        if key.startswith("GET ") and "token" not in rule.arguments and rule.endpoint != "static"
    }
    rep = logged_in(app, world["personas"]["rep"])
    admin = logged_in(app, world["personas"]["admin"])
    before = snapshot()
    errors = []
    for value in SQL:
        query = "&".join(f"{name}={quote(value)}" for name in FILTER_PARAMS)
        for key, rule in sorted(routes.items()):
            url = url_for_rule(rule, world, "admin")
            for who, staff in (("rep", rep), ("admin", admin)):
                response = staff.get(f"{url}?{query}")
                response.close()
                if response.status_code >= 500:
                    errors.append(f"  {who} {key} {value[:30]!r}: {response.status_code}")
        for name in ("q", "status", "severity", "rep", "page"):
            response = rep.get(f"/cases/?{name}={quote(value)}")
            body = response.get_data(as_text=True)
            if response.status_code >= 500 or "Zed Secret" in body:
                errors.append(f"  rep /cases/?{name}={value[:30]!r}: {response.status_code}")
    assert not errors, "hostile query strings that broke a page or a scope:\n" + "\n".join(errors)
    assert changed_tables(before, snapshot()) == []


# --- headers --------------------------------------------------------------------------------


def check_headers(response, where: str) -> list[str]:
    problems = []
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {
        part.strip().split(" ")[0]: part.strip().split(" ")[1:]
        for part in csp.split(";")
        if part.strip()
    }
    script_src = directives.get("script-src", directives.get("default-src"))
    if not script_src:
        problems.append("no script-src")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(script_src):
        problems.append(f"script-src allows {script_src}")
    if directives.get("frame-ancestors") not in (["'none'"], ["'self'"]):
        problems.append(f"frame-ancestors {directives.get('frame-ancestors')}")
    if directives.get("object-src") != ["'none'"]:
        problems.append("object-src is not 'none'")
    if response.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("no nosniff")
    return [f"  {where}: {p}" for p in problems]


def test_every_page_and_error_sends_the_security_headers(app, world):
    """Every GET route (as anonymous, the link holder and an admin), error pages and static
    files: a CSP that runs no inline script and forbids framing, nosniff, and no HSTS over
    plain HTTP."""
    routes = {k: r for k, r in route_keys(app).items() if k.startswith("GET ")}
    admin = logged_in(app, world["personas"]["admin"])
    problems = []
    for key, rule in sorted(routes.items()):
        for persona, visitor in (("anon", app.test_client()), ("link", None), ("admin", admin)):
            visitor = visitor or app.test_client()
            response = visitor.get(url_for_rule(rule, world, persona))
            response.close()
            problems += check_headers(response, f"{key} as {persona}")
            if "Strict-Transport-Security" in response.headers:
                problems.append(f"  {key}: HSTS over plain http")
    for url in ("/no-such-page", "/static/no-such-file.css", "/cases/999999"):
        problems += check_headers(admin.get(url), url)
    problems += check_headers(app.test_client().get("/logout"), "GET /logout (405)")
    assert not problems, "\n".join(problems)


@pytest.fixture
def proxied_app(app, monkeypatch):
    """The same portal as it runs behind one reverse proxy."""
    config = {**app.config, "PROXY_HOPS": 1}
    behind = create_app(config)
    yield behind
    with behind.app_context():
        db.engine.dispose()


def test_hsts_only_when_the_proxy_says_the_request_came_over_https(app, proxied_app):
    https = proxied_app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=31536000" in https.headers["Strict-Transport-Security"]
    plain = proxied_app.test_client().get("/login", headers={"X-Forwarded-Proto": "http"})
    assert "Strict-Transport-Security" not in plain.headers
    # Without a proxy configured, a client cannot claim https for itself.
    forged = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forged.headers


def test_the_portal_cannot_be_framed_or_sniffed_on_customer_pages(client, world):
    response = client.get(f"/s/{world['tokens']['survey.answer']}")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"] == "no-referrer"  # the link stays secret


# --- cookies --------------------------------------------------------------------------------


def cookie_flags(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_session_and_remember_me_cookies_are_httponly_and_samesite(app, world):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    response = client.post(
        "/login",
        data={
            "csrf_token": csrf_from(page),
            "email": world["personas"]["rep"].email,
            "password": PASSWORD,
            "remember": "y",
        },
    )
    assert response.status_code == 302
    cookies = cookie_flags(response)
    assert {"session", "remember_token"} <= set(cookies), cookies
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name], cookies[name]
        assert "SameSite=Lax" in cookies[name], cookies[name]


@pytest.fixture
def production_app(app, monkeypatch, migrated_database):
    """The portal configured as in production: from the environment, PORTAL_ENV=production."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-key-that-is-long-enough-42")
    monkeypatch.setenv("PORTAL_BASE_URL", "https://portal.example.test")
    monkeypatch.setenv("DATABASE_URL", migrated_database)
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("SECURE_COOKIES", raising=False)
    production = create_app()
    assert not production.testing
    yield production
    with production.app_context():
        db.engine.dispose()


def test_production_cookies_are_secure_too(production_app, world):
    client = production_app.test_client()
    https = "https://portal.example.test"
    page = client.get("/login", base_url=https).get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "email": world["personas"]["rep"].email,
        "password": PASSWORD,
        "remember": "y",
    }
    # Over HTTPS a form posted from another site is refused even with a valid token.
    foreign = client.post(
        "/login", base_url=https, data=form, headers={"Referer": "https://evil.example/"}
    )
    assert foreign.status_code == 400
    response = client.post(
        "/login", base_url=https, data=form, headers={"Referer": f"{https}/login"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    cookies = cookie_flags(response)
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name] and "HttpOnly" in cookies[name], cookies[name]
        assert "SameSite=Lax" in cookies[name], cookies[name]


# --- rate limits on public forms --------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "url", "data", "limit"),
    [
        ("forgot password", "/password/forgot", {"email": "who@example.org"}, 5),
        ("survey answer", "/s/{survey}", {"satisfaction": "9"}, 30),
        ("complaint form", "/complaint", {"description": "short"}, 30),
        ("case reply", "/status/{case}", {}, 30),
    ],
)
def test_public_forms_are_rate_limited_per_address(app, world, name, url, data, limit):
    """A flood of posts from one address gets 429 once the form's limit is used up."""
    url = url.format(
        survey=world["tokens"]["survey.answer"], case=world["tokens"]["complaints.case_status"]
    )
    limiter.reset()
    client = app.test_client()
    csrf = csrf_from(client.get("/complaint").get_data(as_text=True))
    statuses = []
    for _ in range(limit + 2):
        statuses.append(client.post(url, data={"csrf_token": csrf, **data}).status_code)
    assert 429 in statuses, f"{name}: {statuses}"
    assert statuses.index(429) == limit, f"{name}: first 429 after {statuses.index(429)}"


def test_login_throttle_also_holds_across_clients_of_one_address(app, world):
    """test_auth.py counts failures in one client; a new cookie jar per attempt (what a
    script does) is counted just the same."""
    rep = world["personas"]["rep"]
    limiter.reset()
    for _ in range(5):
        fresh = app.test_client()
        response = submit(fresh, "/login", {"email": rep.email, "password": "nope nope nope"})
        assert response.status_code == 401
    response = submit(app.test_client(), "/login", {"email": rep.email, "password": PASSWORD})
    assert response.status_code == 429
