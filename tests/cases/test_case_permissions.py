"""Who may see and act on which case, for every route under /cases: two reps in two teams,
their two managers, an admin. A case outside one's scope does not exist for them: its page
and its actions answer 404, and it is in none of their lists, counts, searches or exports.

ROUTES lists every route of the cases blueprint; a new route fails
`test_every_cases_route_is_checked_here` until it is added (with what it needs to be sent).
"""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import utcnow
from portal.services.cases import queue as case_queue
from portal.services.cases import waiting
from portal.services.cases.queue import QueueFilters
from portal.services.setup import ensure_sla_policies

from ..conftest import csrf_from
from .case_helpers import answer_changed, events, make_case, reload, send_case_form

# endpoint -> (method, path, form prefix, a valid form). Case routes take {id}.
CASE_ACTIONS = {
    "cases.log_contact": ("contact", "contact", {"channel": "phone", "note": "Called them"}),
    "cases.add_note": ("note", "note", {"text": "Checked the stock"}),
    "cases.email_customer": ("email", "email", {"body": "We are on it."}),
    "cases.resolve": ("resolve", "resolve", {"outcome": "refund", "summary": "Refunded"}),
    "cases.reopen": ("reopen", "reopen", {"reason": "Customer called back"}),
    "cases.correct_label": ("label", "label", {"label": "neutral"}),
    "cases.correct_themes": ("themes", "themes", {"themes": ["delivery", "other"]}),
    "cases.change_severity": ("severity", "severity", {"severity": "high", "reason": "VIP"}),
    "cases.assign": ("assign", "assign", {"assignee": None, "reason": "Holiday"}),
    "cases.close_resolved_by_customer": (
        "resolved-by-customer",
        "resolved_by_customer",
        {"note": "Their new answer says it works"},
    ),
    "cases.wait_for_customer": ("wait", "wait", {"question": "A photo?", "days": "3"}),
    "cases.take_back": ("take-back", "takeback", {}),
}
MANAGER_ONLY = {"cases.change_severity", "cases.assign"}
LIST_ROUTES = {
    "cases.index": "/cases/",
    "cases.export_csv": "/cases/export.csv",
    "cases.triage": "/cases/triage",
    "cases.bulk_assign": "/cases/assign",
    "cases.corrections": "/cases/corrections",
    "cases.corrections_csv": "/cases/corrections.csv",
}
# The review list of unrouted answers is scoped by the sale's rep, not by a case: its checks
# are in tests/cases/test_review_list.py.
REVIEW_ROUTES = {"cases.review", "cases.mark_negative", "cases.dismiss", "cases.dismiss_confident"}
# A customer's file and a photo's preview: checked per persona (own, other team's, admin) in
# tests/security/access_table.py, the download in tests/cases/test_inbound_mail.py and
# test_customer_uploads.py (with the preview).
ATTACHMENT_ROUTES = {"cases.attachment", "cases.attachment_preview"}
CHECKED = {"cases.show", *CASE_ACTIONS, *LIST_ROUTES, *REVIEW_ROUTES, *ATTACHMENT_ROUTES}
# A case each person can open.
VISIBLE = {
    "anna": "anna_case",
    "bo": "bo_case",
    "maja": "anna_case",
    "sven": "bo_case",
    "admin": "anna_case",
}


@pytest.fixture
def org(app, make_team, make_user):
    """North (manager Maja, rep Anna) and South (manager Sven, rep Bo), an admin, and a
    case of each rep plus one in triage."""
    ensure_sla_policies()
    maja = make_user("manager", name="Maja North")
    sven = make_user("manager", name="Sven South")
    north, south = make_team("North", lead=maja), make_team("South", lead=sven)
    maja.team, sven.team = north, south
    db.session.commit()
    anna = make_user("rep", team=north, name="Anna North")
    bo = make_user("rep", team=south, name="Bo South")
    admin = make_user("admin", name="Ada Admin")
    return {
        "anna": anna,
        "bo": bo,
        "maja": maja,
        "sven": sven,
        "admin": admin,
        "anna_case": make_case(anna, customer_name="Alice Ask", subject="Broken chair"),
        "bo_case": make_case(bo, customer_name="Bertil Berg", subject="Late delivery"),
        "triage_case": make_case(None, customer_name="Tove Triage", subject="Wrong colour"),
    }


def test_every_cases_route_is_checked_here(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("cases.")}
    assert endpoints == CHECKED, "a route under /cases without a permission test"


def _ready_for(case, endpoint):
    """Put the case in a status where the action is allowed, so that what answers is the
    access rule, not a transition rule."""
    if endpoint == "cases.resolve":
        case.status, case.first_contact_at = "contacted", utcnow()
    elif endpoint == "cases.reopen":
        case.status, case.resolved_at, case.outcome = "resolved", utcnow(), "refund"
    elif endpoint == "cases.close_resolved_by_customer":
        answer_changed(case)
    elif endpoint in ("cases.wait_for_customer", "cases.take_back"):
        case.status, case.first_contact_at = "contacted", utcnow()
    db.session.commit()
    if endpoint == "cases.take_back":  # a real wait, with its pause
        waiting.wait_for_customer(case, case.assigned_rep, "A photo?", 3, case.version, utcnow())


def _action_data(org, endpoint, actor):
    data = dict(CASE_ACTIONS[endpoint][2])
    if endpoint == "cases.assign":
        data["assignee"] = actor.id if actor.is_manager else org["maja"].id
    return data


@pytest.mark.parametrize("endpoint", sorted(CASE_ACTIONS))
@pytest.mark.parametrize(
    ("who", "whose", "expected"),
    [
        ("anna", "anna_case", "done"),
        ("anna", "bo_case", 404),
        ("bo", "anna_case", 404),
        ("maja", "anna_case", "done"),
        ("maja", "bo_case", 404),
        ("sven", "anna_case", 404),
        ("sven", "bo_case", "done"),
        ("admin", "bo_case", "done"),
    ],
)
def test_each_action_is_for_those_who_see_the_case(
    client, login, org, endpoint, who, whose, expected
):
    actor, case = org[who], org[whose]
    _ready_for(case, endpoint)
    if endpoint in MANAGER_ONLY and actor.is_rep:
        expected = 403
    before = (reload(case).version, len(events(case)))
    login(actor)
    action, prefix, _ = CASE_ACTIONS[endpoint]
    # The form comes from a page the person can open (for someone else's case: one of their
    # own, same fields); what is tested is the POST to the case named in the URL.
    page = client.get(f"/cases/{(case if expected == 'done' else org[VISIBLE[who]]).id}")
    assert page.status_code == 200
    response = send_case_form(
        client, case.id, action, prefix, _action_data(org, endpoint, actor), html=page.text
    )
    if expected == "done":
        assert response.status_code == 302, response.text[:2000]
        assert len(events(case)) > before[1]
    else:
        assert response.status_code == expected
        assert (reload(case).version, len(events(case))) == before  # nothing changed


@pytest.mark.parametrize(
    ("who", "sees", "hidden"),
    [
        ("anna", ["anna_case"], ["bo_case", "triage_case"]),
        ("bo", ["bo_case"], ["anna_case", "triage_case"]),
        ("maja", ["anna_case", "triage_case"], ["bo_case"]),
        ("sven", ["bo_case", "triage_case"], ["anna_case"]),
        ("admin", ["anna_case", "bo_case", "triage_case"], []),
    ],
)
def test_case_pages_lists_counts_search_and_exports_keep_to_scope(
    client, login, org, who, sees, hidden
):
    login(org[who])
    for key in hidden:
        assert client.get(f"/cases/{org[key].id}").status_code == 404
    for key in sees:
        assert client.get(f"/cases/{org[key].id}").status_code == 200

    queue = client.get("/cases/?status=all").text
    export = client.get("/cases/export.csv?status=all").text
    for key in sees:
        case = org[key]
        assert f'href="/cases/{case.id}"' in queue
        assert f"\n{case.id}," in export and case.customer.email in export
    for key in hidden:
        case = org[key]
        assert f'href="/cases/{case.id}"' not in queue
        assert case.customer.name not in queue
        assert case.customer.email not in export
        # Searching for it by customer, order number or case number finds nothing.
        for q in (case.customer.name, case.sale.order_ref, f"#{case.id}"):
            found = client.get("/cases/", query_string={"q": q, "status": "all"}).text
            assert f'href="/cases/{case.id}"' not in found
            assert "No case matches" in found
            assert (
                f"\n{case.id}," not in client.get("/cases/export.csv", query_string={"q": q}).text
            )

    # The open count in the navigation counts what the person can see, and nothing else.
    home = client.get("/home").text
    assert f'nav-count-open">{len(sees)}<' in home
    assert case_queue.open_count(org[who]) == len(sees)
    found = db.session.scalars(case_queue.queue_query(org[who], QueueFilters(), utcnow()))
    assert sorted(c.id for c in found) == sorted(org[key].id for key in sees)


@pytest.mark.parametrize("who", ["anna", "bo"])
@pytest.mark.parametrize("path", ["/cases/triage", "/cases/corrections", "/cases/corrections.csv"])
def test_reps_may_not_open_the_manager_lists(client, login, org, who, path):
    login(org[who])
    assert client.get(path).status_code == 403


def test_a_rep_may_not_bulk_assign(client, login, org):
    login(org["anna"])
    token = csrf_from(client.get("/cases/").text)
    case = org["anna_case"]
    response = client.post(
        "/cases/assign",
        data={
            "csrf_token": token,
            "cases": f"{case.id}:{case.version}",
            "assignee": org["anna"].id,
            "reason": "x",
        },
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("who", "other"), [("maja", "bo_case"), ("sven", "anna_case")])
def test_a_manager_sees_their_team_and_triage_not_the_other_team(client, login, org, who, other):
    login(org[who])
    triage = client.get("/cases/triage").text
    assert f'href="/cases/{org["triage_case"].id}"' in triage
    team_queue = client.get("/cases/").text
    assert f'href="/cases/{org[other].id}"' not in team_queue
    assert org[other].customer.name not in team_queue


def test_a_bulk_assignment_naming_another_teams_case_is_refused_whole(client, login, org):
    mine, theirs = org["triage_case"], org["bo_case"]
    login(org["maja"])
    token = csrf_from(client.get("/cases/").text)
    response = client.post(
        "/cases/assign",
        data={
            "csrf_token": token,
            "cases": [f"{mine.id}:{mine.version}", f"{theirs.id}:{theirs.version}"],
            "assignee": org["anna"].id,
            "reason": "Spread the load",
        },
    )
    assert response.status_code == 422
    assert f"You may not assign #{theirs.id}" in response.text
    assert "Nothing was assigned" in response.text
    assert reload(mine).assigned_rep_id is None
    assert reload(theirs).assigned_rep_id == org["bo"].id
    assert events(mine, "assigned") == [] and events(theirs, "assigned") == []


def test_another_teams_manager_cannot_assign_to_a_rep_outside_their_teams(client, login, org):
    case = org["triage_case"]
    login(org["sven"])
    token = csrf_from(client.get("/cases/triage").text)
    response = client.post(
        "/cases/triage",
        data={
            "csrf_token": token,
            "cases": f"{case.id}:{case.version}",
            "assignee": org["anna"].id,
            "reason": "Hers now",
        },
    )
    assert response.status_code == 422
    assert "Choose an active rep or manager from the list." in response.text
    assert reload(case).assigned_rep_id is None


@pytest.mark.parametrize("path", ["/cases/", "/cases/export.csv", "/cases/1", "/cases/triage"])
def test_the_anonymous_visitor_is_sent_to_log_in(client, org, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
