"""The form of a new webhook endpoint (services/webhooks/endpoints.py checks the address)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from portal.form_helpers import strip
from portal.models.webhook import WEBHOOK_EVENTS

EVENT_LABELS = {
    "case.opened": "A case is opened",
    "case.first_contact": "First contact with the customer",
    "case.resolved": "A case is resolved",
    "case.reopened": "A case is reopened",
    "case.breached": "A deadline is missed",
    "survey.answered": "A survey is answered",
    "webhook.test": "Test",
}


class WebhookForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Give the endpoint a name (the system that receives it)."),
            Length(max=120, message="Keep the name to 120 characters or fewer."),
        ],
        filters=[strip],
        description='The system that receives the events, e.g. "CRM".',
    )
    url = StringField(
        "Address",
        validators=[DataRequired(message="Give the address that receives the events.")],
        filters=[strip],
        description="An https:// address. Redirects are not followed.",
    )
    # The page renders the boxes; the service names what is wrong with a choice.
    events = SelectMultipleField(
        "Events",
        choices=[SelectChoice(e, EVENT_LABELS[e]) for e in WEBHOOK_EVENTS],
        validate_choice=False,
    )
    submit = SubmitField("Create endpoint")
