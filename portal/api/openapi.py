"""The OpenAPI 3.1 description of the API, served at /api/v1/openapi.json."""

from __future__ import annotations

from flask import current_app

from portal.services.sales.api_intake import MAX_BATCH

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
            "the same order_ref is not stored twice (the answer says 'duplicate').",
            "example": "SO-2026-000123",
        },
        "sold_at": {
            "type": "string",
            "description": "ISO 8601 date or date-time. Without an offset it is read as UTC; "
            "at most one day in the future.",
            "example": "2026-11-20T14:05:00+01:00",
        },
        "customer_email": {"type": "string", "format": "email", "example": "ann@example.org"},
        "customer_name": {"type": "string", "maxLength": 200, "example": "Ann Andersson"},
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
        "product": {"type": "string", "maxLength": 200, "example": "Ergonomic office chair"},
    },
}

_RESULT = {
    "type": "object",
    "properties": {
        "index": {"type": "integer"},
        "order_ref": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["created", "duplicate", "invalid"]},
        "errors": {
            "type": "object",
            "description": "For an invalid sale: the problems of each field, by field name.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["index", "order_ref", "status"],
}

_ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["error"],
}


def _json(schema_ref: str, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def spec() -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Aftersale API",
            "version": "1",
            "description": "Send sales in from your shop, CRM or ERP. Each sale's customer gets "
            "a survey a few days later, under the survey policy.",
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
                        "400": _json("Error", "The body is not JSON."),
                        "401": _json("Error", "No API key, or an unknown or revoked one."),
                        "422": _json(
                            "Error",
                            "One sale sent and invalid ('errors' names each field), every "
                            "sale of a batch invalid, or the body is not a sale or a batch.",
                        ),
                        "429": _json("Error", "Too many requests for this key: slow down."),
                    },
                }
            }
        },
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key created by an admin: "
                    "'Authorization: Bearer as_...'.",
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
                    "properties": {
                        "created": {"type": "integer"},
                        "duplicates": {"type": "integer"},
                        "invalid": {"type": "integer"},
                        "errors": {"type": "boolean"},
                        "results": {"type": "array", "items": _RESULT},
                    },
                },
                "Error": _ERROR,
            },
        },
    }
