"""The webhooks of the OpenAPI document (3.1 `webhooks`): what Aftersale posts to the endpoints
that admins register (services/webhooks/), merged into the document by openapi.py."""

from __future__ import annotations

from portal.models.webhook import TEST_EVENT, WEBHOOK_EVENTS

_WHEN = {
    "case.opened": "A case was opened (a negative survey answer, the complaint form, staff).",
    "case.first_contact": "The first contact with the customer was logged.",
    "case.resolved": "A case was resolved (data.case.outcome says how).",
    "case.reopened": "A resolved or closed case was reopened (by staff or the customer).",
    "case.breached": "A deadline passed: data.deadline is first_contact or resolution.",
    "survey.answered": "A customer answered a survey (post-sale or 'did this fix it?').",
    TEST_EVENT: "An admin pressed 'Send test' on the endpoint's page.",
}

SIGNATURE = (
    "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<raw body>' with the endpoint's signing "
    "secret>. Recompute it over the raw bytes of the body, compare in constant time, and refuse "
    "a t older than about 5 minutes (a replay). See README 'Webhooks' for a verification example."
)

CASE_SCHEMA = {
    "type": "object",
    "required": ["id", "status", "severity", "source", "opened_at", "contact_wanted"],
    "properties": {
        "id": {"type": "integer"},
        "status": {
            "type": "string",
            "enum": ["open", "contacted", "waiting", "resolved", "closed", "reopened"],
        },
        "severity": {"type": "string", "enum": ["critical", "high", "normal", "low"]},
        "source": {"type": "string", "enum": ["survey", "complaint_form", "staff"]},
        "order_ref": {"type": ["string", "null"]},
        "customer_email": {"type": ["string", "null"]},
        "assigned_rep_email": {"type": ["string", "null"], "description": "null: in triage"},
        "opened_at": {"type": "string", "format": "date-time"},
        "contact_wanted": {
            "type": "boolean",
            "description": "false: the customer left 'You may contact me' unticked on the "
            "survey answer that opened the case; the case then has no first-contact deadline "
            "(first_contact_due null) and no 'did this fix it?' follow-up.",
        },
        "first_contact_due": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "null when contact_wanted is false",
        },
        "first_contact_at": {"type": ["string", "null"], "format": "date-time"},
        "resolve_due": {"type": ["string", "null"], "format": "date-time"},
        "resolved_at": {"type": ["string", "null"], "format": "date-time"},
        "closed_at": {"type": ["string", "null"], "format": "date-time"},
        "outcome": {"type": ["string", "null"]},
        "reopen_count": {"type": "integer"},
    },
}

_EVENT = {
    "type": "object",
    "required": ["id", "type", "created_at", "data"],
    "properties": {
        "id": {
            "type": "string",
            "description": "The event's id (evt_...): the same on every attempt; drop an id "
            "you have already processed.",
        },
        "type": {"type": "string", "enum": [*WEBHOOK_EVENTS, TEST_EVENT]},
        "created_at": {"type": "string", "format": "date-time"},
        "data": {
            "type": "object",
            "description": "case.*: {case: Case} (case.breached also 'deadline'); "
            "survey.answered: {answer: {invitation_id, kind, order_ref, satisfaction, "
            "recommend, submitted_at}}; webhook.test: {message}. No free text the customer "
            "wrote is sent.",
            "properties": {
                "case": {"$ref": "#/components/schemas/Case"},
                "deadline": {"type": "string", "enum": ["first_contact", "resolution"]},
                "answer": {"type": "object"},
                "message": {"type": "string"},
            },
        },
    },
}


def _operation(event: str) -> dict:
    return {
        "post": {
            "summary": _WHEN[event],
            "operationId": "webhook_" + event.replace(".", "_"),
            "parameters": [
                {
                    "name": "Aftersale-Signature",
                    "in": "header",
                    "required": True,
                    "description": SIGNATURE,
                    "schema": {"type": "string"},
                },
                {
                    "name": "Aftersale-Event",
                    "in": "header",
                    "required": True,
                    "schema": {"type": "string", "const": event},
                },
                {
                    "name": "Aftersale-Delivery",
                    "in": "header",
                    "required": True,
                    "description": "The event's id, as in the body.",
                    "schema": {"type": "string"},
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}},
            },
            "responses": {
                "2XX": {"description": "Received. Answer within 5 seconds."},
                "default": {
                    "description": "Anything else (a redirect too: redirects are not followed, "
                    "or no answer within 5 s) is retried after 30 s, 2 min, 10 min, 30 min and "
                    "2 h, then given up; 10 failed attempts in a row turn the endpoint off."
                },
            },
        }
    }


def webhooks() -> dict:
    return {event: _operation(event) for event in (*WEBHOOK_EVENTS, TEST_EVENT)}


SCHEMAS = {"Event": _EVENT, "Case": CASE_SCHEMA}
