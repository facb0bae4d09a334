"""The API keeps to its OpenAPI document: schemathesis generates requests from the document
(valid and invalid bodies, unsupported methods such as TRACE) and checks every answer against
it: no 500, only documented status codes, bodies and headers as documented, 405 with Allow.
A fixed example budget keeps the run under a minute, so the document and the server cannot
drift apart again (issue 18, point 9). Plus the API items of point 9 checked directly."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.throttle import FAILED_AUTH_LIMIT
from portal.services.staff import api_keys

from .test_api import post, sale

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES = 60  # per mode: about 20 s for both on this machine
FAILED_AUTH_PER_MINUTE = int(FAILED_AUTH_LIMIT.split("/")[0])


@pytest.fixture
def rep(make_user):
    return make_user("rep", email="rita.rep@example.com")


@pytest.fixture
def key(app, rep):
    _, secret = api_keys.create_key("Webshop and CRM", None, ["write:sales", "read:cases"])
    return secret


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_answer_of_the_api_matches_its_openapi_document(app, key, mode):
    """Bodies that fit the document (positive) and bodies that break it (negative)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert sorted(op.label for op in operations) == [
        "GET /cases",
        "GET /cases/{case_id}",
        "POST /sales",
    ]
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,  # the same examples every run: a failure is reproducible
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case):
            case.call_and_validate(headers={"Authorization": f"Bearer {key}"}, checks=CHECKS)

        answers_as_documented()


def test_trace_and_other_methods_get_405_with_allow(client, key):
    for method in ("TRACE", "PUT", "DELETE", "PATCH"):
        response = client.open("/api/v1/sales", method=method)
        assert response.status_code == 405, method
        assert set(response.headers["Allow"].split(", ")) >= {"POST", "OPTIONS"}
        assert response.json["error"]


def test_a_batch_with_every_sale_invalid_is_a_documented_422(client, key):
    response = post(client, {"sales": [sale(amount="x"), sale(currency="")]}, key)
    assert response.status_code == 422
    assert response.json["invalid"] == 2 and response.json["created"] == 0
    document = client.get("/api/v1/openapi.json").json
    answers = document["paths"]["/sales"]["post"]["responses"]
    refs = [s["$ref"] for s in answers["422"]["content"]["application/json"]["schema"]["oneOf"]]
    assert "#/components/schemas/BatchResult" in refs
    assert {"400", "401", "413", "422", "429"} <= set(answers)


def test_failed_api_authentication_is_limited_per_address(client, key):
    bad = {"Authorization": "Bearer as_wrong"}
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    answers = [
        client.post("/api/v1/sales", json=sale(), headers=bad, environ_overrides=attacker)
        for _ in range(FAILED_AUTH_PER_MINUTE + 3)
    ]
    codes = [r.status_code for r in answers]
    assert codes == [401] * FAILED_AUTH_PER_MINUTE + [429] * 3
    limited = answers[-1]
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert "invalid API key" in limited.json["error"]
    # The shop behind the same address, with its valid key, is not locked out...
    response = client.post(
        "/api/v1/sales",
        json=sale(),
        headers={"Authorization": f"Bearer {key}"},
        environ_overrides=attacker,
    )
    assert response.status_code == 201
    # ...and another address is still told 401, not 429.
    other = client.post(
        "/api/v1/sales", json=sale(), headers=bad, environ_overrides={"REMOTE_ADDR": "192.0.2.1"}
    )
    assert other.status_code == 401
