"""The API under hostile input: one bad sale never sinks the batch, no body costs a 500."""

import json

import pytest
import sqlalchemy as sa

from portal.api.body import MAX_BODY_BYTES, MAX_DEPTH
from portal.extensions import db
from portal.models import Customer, Sale
from portal.services.staff import api_keys

from .test_api import post, sale


@pytest.fixture
def key(app):
    _, secret = api_keys.create_key("Webshop", None)
    return secret


@pytest.fixture
def rep(make_user):
    return make_user("rep", email="rita.rep@example.com")


def stored_refs():
    return db.session.scalars(sa.select(Sale.order_ref).order_by(Sale.order_ref)).all()


@pytest.mark.parametrize("field", ["order_ref", "customer_name", "product"])
def test_a_lone_surrogate_is_a_422_naming_the_field_not_a_500(client, key, rep, field):
    response = post(client, sale(**{field: "Bad \ud800 text"}), key)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
    assert "surrogate" in response.json["errors"][field][0]
    assert stored_refs() == []


@pytest.mark.parametrize("field", ["order_ref", "customer_name", "product"])
def test_a_batch_of_good_and_bad_stores_the_good_and_names_the_bad(client, key, rep, field):
    bad = {"order_ref": "BAD-2", field: "x\ud800"}
    body = {"sales": [sale(order_ref="GOOD-1"), sale(**bad)]}
    response = post(client, body, key)
    assert response.status_code == 200
    data = response.json
    assert (data["created"], data["invalid"], data["errors"]) == (1, 1, True)
    first, second = data["results"]
    assert first == {"index": 0, "order_ref": "GOOD-1", "status": "created"}
    assert (second["index"], second["status"], list(second["errors"])) == (1, "invalid", [field])
    assert stored_refs() == ["GOOD-1"]
    # The client sends the batch again: the good one is a duplicate, nothing fails for ever.
    again = post(client, body, key).json
    assert [r["status"] for r in again["results"]] == ["duplicate", "invalid"]


def test_names_with_line_breaks_are_stored_on_one_line(client, key, rep):
    response = post(
        client,
        sale(customer_name="Ann\r\nBcc: x@evil.test\tAndersson", product="Office\nchair"),
        key,
    )
    assert response.status_code == 201
    customer = db.session.scalar(sa.select(Customer))
    assert customer.name == "Ann Bcc: x@evil.test Andersson"
    assert db.session.scalar(sa.select(Sale.product)) == "Office chair"


def test_an_order_ref_with_a_line_break_is_refused_with_the_reason(client, key, rep):
    response = post(client, sale(order_ref="WEB-1\r\nWEB-2"), key)
    assert response.status_code == 422
    assert "line break" in response.json["errors"]["order_ref"][0]


def test_json_nested_100000_deep_is_a_400_not_a_500(client, key, rep):
    deep = "[" * 100_000 + "]" * 100_000
    response = client.post(
        "/api/v1/sales",
        data=deep,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400
    assert f"nested more than {MAX_DEPTH} levels" in response.json["error"]


def test_brackets_inside_strings_do_not_count_as_depth(client, key, rep):
    response = post(client, sale(product="[" * 60 + "chair" + "]" * 60), key)
    assert response.status_code == 201


def test_a_body_over_the_size_limit_is_a_413(client, key, rep):
    big = json.dumps({"sales": [sale(product="x" * 1000)] * 2500})
    assert len(big) > MAX_BODY_BYTES
    response = client.post(
        "/api/v1/sales",
        data=big,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 413
    assert "MiB" in response.json["error"]
    assert stored_refs() == []
