"""The read side of the API in the OpenAPI document: cases and their status by order ref, for
a CRM (key scope read:cases). Merged into the document by openapi.py."""

from __future__ import annotations

from portal.api.case_query import DEFAULT_PER_PAGE, MAX_PAGE, ORDER_REF_LENGTH, ORDER_REF_PATTERN
from portal.models.case import CASE_STATUSES
from portal.services.external.cases import MAX_CASE_ID, MAX_PER_PAGE


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        answer["headers"] = headers
    return answer


def _common(unauthorized: dict, too_many: dict) -> dict:
    return {
        "401": unauthorized,
        "403": _error("The key lacks the scope read:cases (a key that only sends sales)."),
        "429": too_many,
    }


def paths(unauthorized: dict, too_many: dict) -> dict:
    """`unauthorized` and `too_many`: the 401 and 429 answers shared with POST /sales."""
    return {
        "/cases": {
            "get": {
                "summary": "Cases and their status, by order ref",
                "description": "Newest first, a page at a time. A CRM shows a customer's "
                "complaints with `order_ref`; `status` narrows them (waiting: we wait for the "
                "customer's answer). Needs a key with the scope read:cases.",
                "operationId": "listCases",
                "parameters": [
                    {
                        "name": "order_ref",
                        "in": "query",
                        "description": "The order number, exactly as sent with the sale.",
                        "schema": {
                            "type": "string",
                            "minLength": 1,
                            "maxLength": ORDER_REF_LENGTH,
                            "pattern": ORDER_REF_PATTERN,
                        },
                    },
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string", "enum": list(CASE_STATUSES)},
                    },
                    {
                        "name": "page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE},
                    },
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PER_PAGE,
                            "default": DEFAULT_PER_PAGE,
                        },
                    },
                ],
                "responses": {
                    "200": {
                        "description": "One page of cases.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CasePage"}
                            }
                        },
                    },
                    "400": _error("A NUL character in the query (refused before anything else)."),
                    "422": _error("A query parameter is wrong: 'errors' names each one."),
                    **_common(unauthorized, too_many),
                },
            }
        },
        "/cases/{case_id}": {
            "get": {
                "summary": "One case and its status",
                "operationId": "getCase",
                "parameters": [
                    {
                        "name": "case_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_CASE_ID},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The case.",
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Case"}}
                        },
                    },
                    "404": _error("No case with this id."),
                    **_common(unauthorized, too_many),
                },
            }
        },
    }


SCHEMAS = {
    "CasePage": {
        "type": "object",
        "required": ["cases", "page", "per_page", "total", "next_page"],
        "properties": {
            "cases": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer", "description": "Cases matching, on every page."},
            "next_page": {
                "type": ["integer", "null"],
                "description": "The page to ask for next; null on the last page.",
            },
        },
    }
}
