"""The JSON API for other systems (shop, CRM, ERP), authenticated by API keys, each limited
to its scopes: `write:sales` sends sales in, `read:cases` reads cases and their status."""

from __future__ import annotations

import functools

from flask import Blueprint, g, jsonify, request

from portal.api import body, case_query, throttle
from portal.api.openapi import spec
from portal.extensions import csrf, limiter
from portal.services.external import cases as external_cases
from portal.services.sales import api_intake as sales_intake
from portal.services.staff import api_keys

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # authenticated by API key, never by cookie


def _error(status: int, message: str, **extra):
    return jsonify(error=message, **extra), status


def api_key_required(scope: str):
    """The view needs a valid key with `scope` (401 without a valid key, 403 without the
    scope: a scope problem is no failed authentication, and is not throttled as one)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            scheme, _, secret = header.partition(" ")
            key = api_keys.authenticate(secret.strip()) if scheme.lower() == "bearer" else None
            if key is None:
                return _unauthenticated()
            if not key.allows(scope):
                return _error(
                    403,
                    f"This API key may not do this: it needs the scope {scope}. An admin "
                    "creates a key with it under Admin > API keys.",
                )
            g.api_key = key
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _unauthenticated():
    wait = throttle.failed_auth(request.remote_addr)
    if wait is not None:
        response, status = _error(
            429,
            "Too many requests with a missing or invalid API key from this address: "
            f"wait {wait} s, and check the key.",
        )
        response.headers["Retry-After"] = str(wait)
        return response, status
    response, status = _error(
        401,
        "Send a valid API key as 'Authorization: Bearer <key>'. Admins create keys "
        "under Admin > API keys; a revoked key no longer works.",
    )
    response.headers["WWW-Authenticate"] = 'Bearer realm="aftersale"'
    return response, status


def _key_of_client() -> str:
    return "api:" + str((getattr(g, "api_key", None) and g.api_key.id) or request.remote_addr)


@bp.post("/sales")
@api_key_required("write:sales")
@limiter.limit("600 per minute", key_func=_key_of_client)
def create_sales():
    try:
        payload = body.read_json(request)
    except body.BodyError as exc:
        return _error(exc.status, str(exc))
    try:
        items, single = sales_intake.items_of(payload)
    except sales_intake.PayloadError as exc:
        return _error(422, str(exc))
    outcome = sales_intake.intake(items)
    if single:
        [result] = outcome.results
        if result.status == "invalid":
            return _error(
                422, "The sale was not stored: fix the fields named.", errors=result.errors
            )
        return jsonify(result.as_dict()), 201 if result.status == "created" else 200
    status = 422 if outcome.invalid == len(items) else 200
    return jsonify(outcome.as_dict()), status


@bp.get("/cases")
@api_key_required("read:cases")
@limiter.limit("600 per minute", key_func=_key_of_client)
def list_cases():
    """The cases of an order (`order_ref`) and/or in a `status`, newest first, a page at a
    time; `next_page` is null on the last page."""
    try:
        query = case_query.read(request.args)
    except case_query.QueryError as exc:
        return _error(422, "Fix the query parameters named.", errors=exc.errors)
    cases, total = external_cases.find_cases(
        query.order_ref, query.status, query.page, query.per_page
    )
    more = query.page * query.per_page < total
    return jsonify(
        cases=[external_cases.case_data(case) for case in cases],
        page=query.page,
        per_page=query.per_page,
        total=total,
        next_page=query.page + 1 if more else None,
    )


@bp.get("/cases/<int:case_id>")
@api_key_required("read:cases")
@limiter.limit("600 per minute", key_func=_key_of_client)
def get_case(case_id: int):
    case = external_cases.get_case(case_id)
    if case is None:
        return _error(404, f"No case {case_id}.")
    return jsonify(external_cases.case_data(case))


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())
