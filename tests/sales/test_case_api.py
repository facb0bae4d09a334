"""The API reads too: a CRM with a read:cases key gets an order's cases and their status, a
page at a time; keys have scopes (a sales-only key reads nothing, a read-only key sends no
sales); keys made before scopes keep sending sales."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.models import ApiKey, Customer, utcnow
from portal.services.cases import waiting
from portal.services.setup import ensure_sla_policies
from portal.services.staff import api_keys

from ..cases.case_helpers import make_case
from ..conftest import csrf_from
from .test_api import post, sale


@pytest.fixture
def crm_key(app):
    return api_keys.create_key("CRM", None, ["read:cases"])[1]


@pytest.fixture
def shop_key(app):
    return api_keys.create_key("Webshop", None)[1]  # write:sales, as every key before scopes


def get(client, url: str, secret: str):
    return client.get(url, headers={"Authorization": f"Bearer {secret}"})


@pytest.fixture
def order_cases(app, make_user, make_team):
    """Three cases of order ORD-CRM-1 (one waiting for the customer) and one of another."""
    ensure_sla_policies()
    rep = make_user("rep", team=make_team("North"), name="Rita Rep", email="rita@example.com")
    customer = Customer(email="carl@example.org", name="Carl Kund")
    first = make_case(rep, customer=customer, status="contacted", first_contact_at=utcnow())
    first.sale.order_ref = "ORD-CRM-1"
    db.session.commit()
    waiting.wait_for_customer(first, rep, "A photo, please?", 3, first.version, utcnow())
    others = [make_case(rep, customer=customer) for _ in range(2)]
    for case in others:
        case.sale_id = first.sale_id
    make_case(rep, customer_name="Someone Else")
    db.session.commit()
    return [first, *others]


def test_a_crm_reads_the_cases_of_an_order_page_by_page(client, crm_key, order_cases):
    page1 = get(client, "/api/v1/cases?order_ref=ORD-CRM-1&per_page=2", crm_key)
    assert page1.status_code == 200
    body = page1.json
    assert (body["total"], body["page"], body["per_page"], body["next_page"]) == (3, 1, 2, 2)
    page2 = get(client, "/api/v1/cases?order_ref=ORD-CRM-1&per_page=2&page=2", crm_key).json
    assert page2["next_page"] is None
    listed = [c["id"] for c in body["cases"] + page2["cases"]]
    assert listed == sorted((c.id for c in order_cases), reverse=True)  # newest first
    first = next(c for c in body["cases"] + page2["cases"] if c["id"] == order_cases[0].id)
    assert first["status"] == "waiting" and first["order_ref"] == "ORD-CRM-1"
    assert first["assigned_rep_email"] == "rita@example.com"
    assert "description" not in first  # the customer's words stay behind the login

    only_waiting = get(client, "/api/v1/cases?order_ref=ORD-CRM-1&status=waiting", crm_key).json
    assert [c["id"] for c in only_waiting["cases"]] == [order_cases[0].id]
    one = get(client, f"/api/v1/cases/{order_cases[0].id}", crm_key)
    assert one.status_code == 200 and one.json["status"] == "waiting"
    assert get(client, "/api/v1/cases?order_ref=NO-SUCH", crm_key).json["total"] == 0


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("page=0", "page"),
        ("page=abc", "page"),
        ("per_page=101", "per_page"),
        ("per_page=%C2%B2", "per_page"),  # a superscript two is a digit to str.isdigit
        ("status=lost", "status"),
        ("order_ref=%01", "order_ref"),
        ("order_ref=" + "x" * 65, "order_ref"),
    ],
)
def test_a_bad_query_is_named(client, crm_key, query, field):
    response = get(client, f"/api/v1/cases?{query}", crm_key)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]


def test_a_nul_in_the_query_is_a_documented_400(client, crm_key):
    assert get(client, "/api/v1/cases?order_ref=%00", crm_key).status_code == 400
    answers = client.get("/api/v1/openapi.json").json["paths"]["/cases"]["get"]["responses"]
    assert "400" in answers


def test_an_unknown_case_is_404_even_past_any_integer(client, crm_key):
    assert get(client, "/api/v1/cases/999", crm_key).status_code == 404
    assert get(client, f"/api/v1/cases/{2**63}", crm_key).status_code == 404


def test_keys_do_only_what_their_scopes_allow(client, crm_key, shop_key, make_user):
    make_user("rep", email="rita.rep@example.com")
    refused = get(client, "/api/v1/cases", shop_key)
    assert refused.status_code == 403
    assert "it needs the scope read:cases" in refused.json["error"]
    no_sales = post(client, sale(), crm_key)
    assert no_sales.status_code == 403
    assert "it needs the scope write:sales" in no_sales.json["error"]
    assert post(client, sale(), shop_key).status_code == 201


def test_a_key_made_before_scopes_keeps_sending_sales(app, client, make_user):
    """The migration's default: a row written without scopes may write:sales."""
    make_user("rep", email="rita.rep@example.com")
    secret = "as_" + "o" * 43
    db.session.execute(
        sa.text(
            "INSERT INTO api_keys (name, prefix, key_hash, created_at) "
            "VALUES ('Old shop', :prefix, :hash, :now)"
        ),
        {
            "prefix": secret[:10],
            "hash": hashlib.sha256(secret.encode()).hexdigest(),
            "now": utcnow(),
        },
    )
    db.session.commit()
    db.session.expire_all()
    assert db.session.scalar(sa.select(ApiKey.scopes)) == "write:sales"
    assert post(client, sale(), secret).status_code == 201


def test_an_admin_creates_a_read_only_key_for_a_crm(client, login, make_user):
    login(make_user("admin", name="Ada Admin"))
    page = client.get("/admin/api-keys/new").text
    response = client.post(
        "/admin/api-keys/new",
        data={"csrf_token": csrf_from(page), "name": "CRM", "scopes": ["read:cases"]},
    )
    assert response.status_code == 200
    assert "/api/v1/cases?order_ref=" in response.text  # the page shows how to read
    # ... and only that: no sales example for a key that may not send sales
    assert "/api/v1/sales" not in response.text
    assert "the system that reads cases" in response.text
    key = db.session.scalar(sa.select(ApiKey))
    assert key.scope_list == ["read:cases"]
    assert "read:cases" in client.get("/admin/api-keys").text
    none = client.post(
        "/admin/api-keys/new",
        data={"csrf_token": csrf_from(page), "name": "Nothing", "scopes": []},
    )
    assert "Tick what the key may do" in none.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiKey)) == 1
