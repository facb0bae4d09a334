"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json."""

from __future__ import annotations

from flask import current_app

from portal.api import openapi_cases, openapi_webhooks
from portal.api.body import MAX_BODY_BYTES, MAX_DEPTH
from portal.api.throttle import FAILED_AUTH_LIMIT
from portal.services.sales.api_intake import MAX_BATCH

_ONE_LINE = " Stored on one line: line breaks, tabs and other control characters become one space."

_SALE = {
    "type": "object",
    "required": [
        "order_ref",
        "sold_at",
        "customer_email",
        "customer_name",
        "rep_email",
        "amount",
        "currency",
        "product",
    ],
    "properties": {
        "order_ref": {
            "type": "string",
            "maxLength": 64,
            "description": "The order number in your system. Unique: a sale sent again with "
            "the same order_ref is not stored twice (the answer says 'duplicate'). A line "
            "break or other control character in it makes the sale invalid.",
            "example": "SO-2026-000123",
        },
        "sold_at": {
            "type": "string",
            "description": "ISO 8601 date or date-time. Without an offset it is read as UTC; "
            "at most one day in the future.",
            "example": "2026-11-20T14:05:00+01:00",
        },
        "customer_email": {"type": "string", "format": "email", "example": "ann@example.org"},
        "customer_name": {
            "type": "string",
            "maxLength": 200,
            "example": "Ann Andersson",
            "description": "The customer's name, as emails to staff show it." + _ONE_LINE,
        },
        "customer_locale": {
            "type": "string",
            "enum": ["en", "sv"],
            "description": "Language of the customer's surveys. Default en.",
        },
        "rep_email": {
            "type": "string",
            "format": "email",
            "description": "The active rep (or manager) in Aftersale who made the sale.",
        },
        "amount": {
            "oneOf": [{"type": "string"}, {"type": "number"}],
            "description": 'Non-negative, at most 2 decimals, e.g. "1234.50".',
            "example": "1234.50",
        },
        "currency": {"type": "string", "description": "ISO 4217 code.", "example": "SEK"},
        "product": {
            "type": "string",
            "maxLength": 200,
            "example": "Ergonomic office chair",
            "description": "What was sold." + _ONE_LINE,
        },
    },
}

_RESULT = {
    "type": "object",
    "description": "What happened to one sale. In a batch, each sale is stored or refused on "
    "its own: a bad sale never stops the good ones.",
    "properties": {
        "index": {"type": "integer", "description": "The sale's position in the batch, from 0."},
        "order_ref": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["created", "duplicate", "invalid"]},
        "errors": {
            "type": "object",
            "description": "For an invalid sale: the problems of each field, by field name "
            '(the name "" when the sale as a whole is the problem, e.g. not an object). '
            "Sending the sale again unchanged fails again: fix the fields named.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["index", "order_ref", "status"],
}

_ERROR = {
    "type": "object",
    "description": "The request as a whole was refused; nothing was stored.",
    "properties": {
        "error": {"type": "string", "description": "What is wrong and what to do."},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["error"],
}


def _json(schema_ref: str, description: str, headers: dict | None = None) -> dict:
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }
    if headers:
        response["headers"] = headers
    return response


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "schema": {"type": "string"},
    }
}


def _unauthorized() -> dict:
    return _json(
        "Error",
        "No API key, or an unknown or revoked one.",
        {
            "WWW-Authenticate": {
                "description": 'Bearer realm="aftersale"',
                "schema": {"type": "string"},
            }
        },
    )


def _too_many() -> dict:
    return _json(
        "Error",
        "Too many requests for this key (600 a minute), or too many "
        f"failed authentications from this address ({FAILED_AUTH_LIMIT}): "
        "wait Retry-After seconds.",
        _RETRY_AFTER,
    )


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Aftersale API",
            "version": "1",
            "description": "Send sales in from your shop, CRM or ERP (key scope write:sales). "
            "Each sale's customer gets a survey a few days later, under the survey policy. "
            "Read cases and their status by order ref (key scope read:cases). The webhooks "
            "are what Aftersale posts to the endpoints an admin registers.",
        },
        "servers": [{"url": current_app.config["PORTAL_BASE_URL"] + "/api/v1"}],
        "security": [{"apiKey": []}],
        "paths": {
            "/sales": {
                "post": {
                    "summary": "Record one sale, or a batch of sales",
                    "operationId": "createSales",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Sale"},
                                        {"$ref": "#/components/schemas/SaleBatch"},
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": _json("ItemResult", "One sale sent, and stored."),
                        "200": {
                            "description": "One sale sent that was already stored "
                            "(ItemResult, status 'duplicate'); or a batch: a BatchResult with "
                            "one result per sale, in order. Invalid sales in a batch do not "
                            "stop the valid ones.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/ItemResult"},
                                            {"$ref": "#/components/schemas/BatchResult"},
                                        ]
                                    }
                                }
                            },
                        },
                        "400": _json(
                            "Error",
                            "The body is not JSON (or not UTF-8), or it is nested more than "
                            f"{MAX_DEPTH} levels deep.",
                        ),
                        "401": _unauthorized(),
                        "413": _json(
                            "Error",
                            f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB: "
                            "send the sales in smaller batches.",
                        ),
                        "422": {
                            "description": "Nothing was stored. One sale sent and invalid: an "
                            "Error whose 'errors' names each field. A batch whose every sale "
                            "is invalid: a BatchResult, each result naming its fields. The "
                            "body is not a sale or a batch: an Error.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "oneOf": [
                                            {"$ref": "#/components/schemas/Error"},
                                            {"$ref": "#/components/schemas/BatchResult"},
                                        ]
                                    }
                                }
                            },
                        },
                        "403": _json("Error", "The key lacks the scope write:sales."),
                        "429": _too_many(),
                    },
                }
            },
            **openapi_cases.paths(_unauthorized(), _too_many()),
        },
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key created by an admin: "
                    "'Authorization: Bearer as_...', with the scopes write:sales (send sales) "
                    "and/or read:cases (read cases).",
                }
            },
            "schemas": {
                "Sale": _SALE,
                "SaleBatch": {
                    "type": "object",
                    "required": ["sales"],
                    "properties": {
                        "sales": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_BATCH,
                            "items": {"$ref": "#/components/schemas/Sale"},
                        }
                    },
                },
                "ItemResult": _RESULT,
                "BatchResult": {
                    "type": "object",
                    "description": "One result per sale, in the order sent. 'errors' is true "
                    "when at least one sale was invalid (the others were stored).",
                    "required": ["created", "duplicates", "invalid", "errors", "results"],
                    "properties": {
                        "created": {"type": "integer"},
                        "duplicates": {"type": "integer"},
                        "invalid": {"type": "integer"},
                        "errors": {"type": "boolean"},
                        "results": {"type": "array", "items": _RESULT},
                    },
                },
                "Error": _ERROR,
                **openapi_webhooks.SCHEMAS,
                **openapi_cases.SCHEMAS,
            },
        },
        "webhooks": openapi_webhooks.webhooks(),
    }
