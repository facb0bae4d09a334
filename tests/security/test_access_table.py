"""Every URL of the portal, visited as every kind of person, answers as access_table.py (beside
this file) says. A route without a line in that table fails here, naming the route."""

from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from PIL import Image

from portal.extensions import db, limiter
from portal.metrics.definitions import GOAL_METRICS
from portal.models import (
    Case,
    CoachingPlan,
    Complaint,
    Customer,
    Goal,
    Holiday,
    InboundAttachment,
    PlanItem,
    SurveyInvitation,
    SurveyResponse,
    Theme,
    utcnow,
)
from portal.services.cases.themes import ensure_themes
from portal.services.setup import ensure_sla_policies
from portal.services.staff import api_keys
from portal.services.staff.passwords import set_password_token
from portal.services.webhooks import endpoints as webhook_endpoints
from portal.tokens import make_token

from ..conftest import PASSWORD, _empty_tables, csrf_from, submit
from .access_table import ACCESS, OK, PERSONAS, L, R

IGNORED_METHODS = {"HEAD", "OPTIONS"}
# Visited last, in this order: they remove what other routes act on, end a session or change
# what the link holder may do.
LAST = (
    "POST admin.delete_webhook",
    "POST survey.unsubscribe",
    "POST auth.logout_everywhere",
    "POST auth.logout",
)
# Pages that need a query string to show anything.
QUERIES = {
    "dashboard.cases": "figure=open",
    "admin.sla_preview": "severity=high",
    "coaching.theme_cases": "theme=delivery",
}


def route_keys(app) -> dict[str, object]:
    """'METHOD endpoint' -> rule, for every rule of the app."""
    keys = {}
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - IGNORED_METHODS):
            keys[f"{method} {rule.endpoint}"] = rule
    return keys


def test_every_route_has_a_line_in_the_access_table(app):
    routes = route_keys(app)
    missing = sorted(set(routes) - set(ACCESS))
    assert not missing, (
        "routes without a line in tests/security/access_table.py (say who may use them):\n"
        + "\n".join(f"  {key}  ({routes[key].rule})" for key in missing)
    )
    stale = sorted(set(ACCESS) - set(routes))
    assert not stale, (
        "lines in tests/security/access_table.py for routes that no longer exist:\n"
        + "\n".join(f"  {key}" for key in stale)
    )
    for key, row in ACCESS.items():
        assert len(row) == len(PERSONAS), f"{key}: {len(row)} columns, not {len(PERSONAS)}"


# --- the world the URLs are filled from -----------------------------------------------------


@pytest.fixture
def build_world(app, make_team, make_user, make_sale):
    """Two teams; rep A's sale, its answered survey, a case and an unconfirmed complaint; an
    extra rep, a goal, an API key and a holiday for the admin pages to act on. Built afresh
    for each person, so what one person's visits change (a goal deleted, a key revoked) does
    not change what the next one gets."""

    def build() -> dict:
        # The previous person's requests left the shared session inside a transaction; on
        # PostgreSQL its locks would keep TRUNCATE waiting for ever.
        db.session.remove()
        _empty_tables()
        return _world(make_team, make_user, make_sale)

    return build


def _world(make_team, make_user, make_sale) -> dict:
    ensure_sla_policies()
    now = utcnow()
    mgr = make_user("manager", name="Maja North")
    north = make_team("North", lead=mgr)
    mgr2 = make_user("manager", name="Sven South")
    south = make_team("South", lead=mgr2)
    mgr.team, mgr2.team = north, south
    rep = make_user("rep", team=north, name="Rita A")
    rep2 = make_user("rep", team=south, name="Bo B")
    target = make_user("rep", team=north, name="Tage Target")
    admin = make_user("admin", name="Ada Admin")
    customer = Customer(email="ann@example.org", name="Ann Kund")
    sale = make_sale(rep=rep, customer=customer, sold_at=now - timedelta(days=4))
    invitation = SurveyInvitation(
        kind="post_sale",
        customer=customer,
        sale=sale,
        scheduled_for=now - timedelta(days=1),
        sent_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=27),
    )
    response = SurveyResponse(
        invitation=invitation, satisfaction=1, comment="Broken on arrival.", submitted_at=now
    )
    invitation.answered_at = now
    db.session.add_all([invitation, response])
    db.session.flush()
    case = Case(
        source="survey",
        customer=customer,
        sale=sale,
        response_id=response.id,
        assigned_rep=rep,
        severity="high",
        status="open",
        first_contact_due=now + timedelta(hours=4),
        resolve_due=now + timedelta(days=3),
    )
    complaint = Complaint(
        email=customer.email,
        name=customer.name,
        customer=customer,
        sale=sale,
        order_ref_given=sale.order_ref,
        category="delivery",
        description="The parcel never came.",
    )
    holiday = Holiday(day=date(now.year + 1, 12, 25), name="Christmas Day")
    goal = Goal(
        team_id=north.id,
        metric=next(iter(GOAL_METRICS)),
        target=50,
        period="month",
        period_start=now.date().replace(day=1),
        created_by_id=mgr.id,
    )
    db.session.add_all([case, complaint, holiday, goal])
    key, _ = api_keys.create_key("Shop", admin)
    db.session.flush()
    png = BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    # A photo sent from the status page: it has a preview (cases.attachment_preview) too.
    attachment = InboundAttachment(
        source="status_page",
        case_id=case.id,
        filename="photo.png",
        content_type="image/png",
        size=len(png.getvalue()),
        data=png.getvalue(),
    )
    db.session.add(attachment)
    ensure_themes()
    theme = db.session.scalar(sa.select(Theme).where(Theme.key == "delivery"))
    plan = CoachingPlan(
        rep=rep,
        manager=mgr,
        title="Faster first contact",
        focus="metric",
        metric="first_contact_within_sla",
        baseline_from=now.date() - timedelta(days=90),
        target=0.9,
        started_on=now.date(),
        due_on=now.date() + timedelta(days=30),
        check_ins=[],
    )
    item = PlanItem(plan=plan, title="Script", file_name="s.pdf", file_type="application/pdf",
                    file_data=b"%PDF-1")  # fmt: skip
    db.session.add_all([plan, item])
    # Nothing listens on port 9: "Send test" fails at once, and is logged.
    endpoint, _ = webhook_endpoints.create_endpoint(
        "CRM", "https://127.0.0.1:9/hook", ["case.opened"], admin
    )
    db.session.commit()
    return {
        "personas": {
            "rep": rep,
            "rep2": rep2,
            "mgr": mgr,
            "mgr2": mgr2,
            "admin": admin,
        },
        "ids": {
            "case_id": case.id,
            "user_id": target.id,
            "team_id": north.id,
            "key_id": key.id,
            "endpoint_id": endpoint.id,
            "invitation_id": invitation.id,
            "holiday_id": holiday.id,
            "goal_id": goal.id,
            "theme_id": theme.id,
            "plan_id": plan.id,
            "item_id": item.id,
            "rep_id": rep.id,
            "response_id": response.id,
            "customer_id": customer.id,
            "attachment_id": attachment.id,
        },
        # The real link of each customer page (the link persona's key).
        "tokens": {
            "survey.answer": make_token("survey", invitation.id),
            "survey.thanks": make_token("survey", invitation.id),
            "survey.opened": make_token("survey", invitation.id),
            "complaints.from_survey": make_token("survey", invitation.id),
            "survey.unsubscribe": make_token("unsubscribe", invitation.id),
            "complaints.confirm": make_token("complaint-confirm", complaint.id),
            "complaints.status": make_token("complaint-status", complaint.id),
            "complaints.case_status": make_token("case-status", case.id),
            "auth.set_password": set_password_token(target),
        },
        "other_values": {"filename": "css/portal.css"},
    }


def forged(token: str, purpose: str = "survey") -> str:
    """Well-formed, the right purpose and payload, but signed with someone else's key."""
    payload = token.split(".")[0]
    return URLSafeTimedSerializer("not-our-secret-key-0123456789-abcdef", salt=purpose).dumps(
        payload
    )


def url_for_rule(rule, world, persona: str) -> str:
    values = {}
    for name in rule.arguments:
        if name == "token":
            real = world["tokens"].get(rule.endpoint)
            assert real, (
                f"{rule.endpoint} ({rule.rule}) takes a token: add its real link to "
                "world['tokens'] in tests/security/test_access_table.py"
            )
            values[name] = real if persona == "link" else forged(real)
        elif name in world["ids"]:
            values[name] = world["ids"][name]
        elif name in world["other_values"]:
            values[name] = world["other_values"][name]
        else:
            raise AssertionError(
                f"{rule.endpoint} ({rule.rule}): no value for <{name}>; add one to the world "
                "in tests/security/test_access_table.py"
            )
    url = rule.build(values, append_unknown=False)[1]
    return f"{url}?{QUERIES[rule.endpoint]}" if rule.endpoint in QUERIES else url


def outcome(response):
    if response.status_code in (301, 302, 303, 307, 308):
        path = urlsplit(response.headers["Location"]).path
        return L if path == "/login" else R
    return response.status_code


def as_expected(expected, got) -> bool:
    if expected == OK:
        return got == R or got in (200, 201, 204, 422)
    return got == expected


def visit_order(keys):
    return sorted(keys, key=lambda k: (k in LAST, LAST.index(k) if k in LAST else 0, k))


def test_every_url_answers_each_person_as_the_access_table_says(app, build_world):
    routes = route_keys(app)
    assert set(routes) <= set(ACCESS), "see test_every_route_has_a_line_in_the_access_table"
    wrong = []
    for column, persona in enumerate(PERSONAS):
        world = build_world()
        limiter.reset()  # each person has their own budget of form posts
        client = app.test_client()
        user = world["personas"].get(persona)
        if user is not None:
            assert (
                submit(client, "/login", {"email": user.email, "password": PASSWORD}).status_code
                == 302
            )
        csrf = csrf_from(client.get("/complaint").get_data(as_text=True))
        # The token works: an empty complaint is answered with the form's errors, not a 400.
        assert client.post("/complaint", data={"csrf_token": csrf}).status_code == 422
        for key in visit_order(routes):
            method = key.split(" ")[0]
            url = url_for_rule(routes[key], world, persona)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.open(url, method=method, data={"csrf_token": csrf})
            response.get_data()  # streamed CSV: read to the end, as a browser would
            response.close()
            got = outcome(response)
            expected = ACCESS[key][column]
            if not as_expected(expected, got):
                wrong.append(f"  {key:34} {url:60} {persona:6} expected {expected}, got {got}")
    assert not wrong, "answers that differ from tests/security/access_table.py:\n" + "\n".join(
        wrong
    )
