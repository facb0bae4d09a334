"""Forms of the check-in pages: the one-click "checked in" and the rules (admins)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.form_helpers import strip
from portal.models.checkin import CHANNELS
from portal.services.checkins.customers import CHANNEL_LABELS, MAX_NOTE


class CheckinForm(FlaskForm):
    channel = RadioField(
        "How you got in touch",
        choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in CHANNELS],
        validators=[InputRequired(message="Choose how you got in touch.")],
    )
    note = TextAreaField(
        "Note",
        filters=[strip],
        validators=[Length(max=MAX_NOTE, message=f"Keep the note under {MAX_NOTE} characters.")],
    )
    reason = HiddenField()
    back = HiddenField()  # "customer": back to the customer's page; else the list


class RulesForm(FlaskForm):
    """Only the CSRF token: the rows are read by kind (one row per rule, routes.py)."""
