"""The sales API: API keys, one sale or a batch, idempotent, errors that name the field."""

import pytest
import sqlalchemy as sa
from openapi_spec_validator import validate

from portal.extensions import db
from portal.models import ApiKey, Sale
from portal.services.staff import api_keys


@pytest.fixture
def key(app):
    _, secret = api_keys.create_key("Webshop", None)
    return secret


@pytest.fixture
def rep(make_user):
    return make_user("rep", email="rita.rep@example.com")


def sale(**fields):
    data = {
        "order_ref": "WEB-1001",
        "sold_at": "2026-11-20T14:05:00+01:00",
        "customer_email": "Ann@Example.org",
        "customer_name": "Ann Andersson",
        "rep_email": "rita.rep@example.com",
        "amount": "1234.50",
        "currency": "sek",
        "product": "Office chair",
    }
    data.update(fields)
    return data


def post(client, body, secret):
    return client.post("/api/v1/sales", json=body, headers={"Authorization": f"Bearer {secret}"})


def sales():
    return db.session.scalars(sa.select(Sale).order_by(Sale.order_ref)).all()


def test_one_sale_is_stored(client, key, rep):
    response = post(client, sale(), key)
    assert response.status_code == 201
    assert response.json == {"index": 0, "order_ref": "WEB-1001", "status": "created"}
    [stored] = sales()
    assert str(stored.amount) == "1234.50" and stored.currency == "SEK"
    assert stored.customer.email == "ann@example.org"
    assert stored.rep_id == rep.id


def test_sending_the_same_sale_again_stores_nothing_new(client, key, rep):
    post(client, sale(), key)
    again = post(client, sale(amount="99.00"), key)
    assert again.status_code == 200
    assert again.json["status"] == "duplicate"
    [stored] = sales()
    assert str(stored.amount) == "1234.50"


def test_a_batch_keeps_the_good_sales_and_names_each_bad_field(client, key, rep):
    body = {
        "sales": [
            sale(order_ref="WEB-1"),
            sale(order_ref="WEB-2", amount="12,3,4", currency="XXX"),
            sale(order_ref="WEB-1"),
            sale(order_ref="WEB-3", amount=99.5),
            "not an object",
        ]
    }
    response = post(client, body, key)
    assert response.status_code == 200
    data = response.json
    assert (data["created"], data["duplicates"], data["invalid"]) == (2, 1, 2)
    statuses = [r["status"] for r in data["results"]]
    assert statuses == ["created", "invalid", "duplicate", "created", "invalid"]
    assert set(data["results"][1]["errors"]) == {"amount", "currency"}
    assert [s.order_ref for s in sales()] == ["WEB-1", "WEB-3"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"order_ref": ""}, "order_ref"),
        ({"sold_at": "yesterday"}, "sold_at"),
        ({"sold_at": "2099-01-01"}, "sold_at"),
        ({"customer_email": "not-an-email"}, "customer_email"),
        ({"customer_name": None}, "customer_name"),
        ({"rep_email": "nobody@example.com"}, "rep_email"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1.234"}, "amount"),
        ({"currency": "KRONOR"}, "currency"),
        ({"product": ""}, "product"),
        ({"customer_locale": "de"}, "customer_locale"),
        ({"order_ref": 12345}, "order_ref"),
    ],
)
def test_a_bad_field_gets_a_422_that_names_it(client, key, rep, fields, field):
    response = post(client, sale(**fields), key)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
    assert response.json["errors"][field][0]
    assert sales() == []


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("not json", 400, "The body must be JSON"),
        ([1, 2], 422, "Send one sale as a JSON object"),
        ({"sales": []}, 422, "'sales' is empty"),
        ({"sales": {}}, 422, "'sales' must be a list"),
        ({"sales": [{}] * 1001}, 422, "send at most 1000"),
    ],
)
def test_a_malformed_body_is_refused_whole(client, key, body, status, message):
    headers = {"Authorization": f"Bearer {key}"}
    if isinstance(body, str):
        response = client.post("/api/v1/sales", data=body, headers=headers)
    else:
        response = client.post("/api/v1/sales", json=body, headers=headers)
    assert response.status_code == status
    assert message in response.json["error"]


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer as_wrong", "Basic dXNlcjpwYXNz", "as_nothing"]
)
def test_requests_without_a_valid_key_are_refused(client, rep, header):
    headers = {"Authorization": header} if header else {}
    response = client.post("/api/v1/sales", json=sale(), headers=headers)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert sales() == []


def test_a_revoked_key_stops_working_at_once(client, key, rep):
    assert post(client, sale(order_ref="A"), key).status_code == 201
    api_keys.revoke(db.session.scalar(sa.select(ApiKey)))
    assert post(client, sale(order_ref="B"), key).status_code == 401


def test_keys_are_stored_hashed(app, key):
    stored = db.session.scalar(sa.select(ApiKey))
    assert key not in (stored.key_hash, stored.prefix)
    assert key.startswith(stored.prefix)


def test_the_api_needs_no_csrf_token_but_a_session_cookie_is_not_enough(
    client, login, make_user, rep
):
    login(make_user("admin"))
    response = client.post("/api/v1/sales", json=sale())
    assert response.status_code == 401


def test_the_openapi_description_is_valid_and_documents_every_field(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    validate(document)
    documented = set(document["components"]["schemas"]["Sale"]["properties"])
    from portal.services.sales.api_intake import FIELDS

    assert documented == set(FIELDS)
