"""Forms of the case pages. Choices that come from the database (who may be assigned, the
SLA of each severity) are filled in by the view; the rules are in services.case_triage.

The case page shows several forms at once: each has a prefix, so that their fields (and
their CSRF tokens) keep ids of their own."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.models.survey import SENTIMENT_LABELS

REASON_LENGTH = 500


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value) -> int | None:
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def optional_int(value) -> int | None:
    """The version a form was rendered with; anything else counts as "changed since"."""
    return optional_id(value)


def _reason(label: str, message: str, description: str) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(message=message),
            Length(max=REASON_LENGTH, message=f"Keep it to {REASON_LENGTH} characters."),
        ],
        filters=[_strip],
        description=description,
    )


class LabelCorrectionForm(FlaskForm):
    label = SelectField(
        "Right label",
        choices=[
            SelectChoice("", "Choose the right label"),
            *(SelectChoice(label, label.capitalize()) for label in SENTIMENT_LABELS),
        ],
        validators=[DataRequired(message="Choose the right label.")],
    )
    note = TextAreaField(
        "Note",
        validators=[Optional(), Length(max=1000, message="Keep the note to 1000 characters.")],
        filters=[_strip],
        description="What the rules missed. It helps whoever tunes them.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Save correction")


class SeverityForm(FlaskForm):
    severity = SelectField("New severity", validators=[DataRequired()])  # choices: the view
    reason = _reason(
        "Reason",
        "Say why the severity changes: it goes in the timeline.",
        "Both deadlines are counted again from the table above.",
    )
    version = HiddenField(filters=[optional_int])
    submit = SubmitField("Change severity")


class AssignForm(FlaskForm):
    assignee = SelectField(  # choices: the view
        "Assign to",
        coerce=optional_id,
        validators=[InputRequired(message="Choose who takes the case.")],
    )
    reason = _reason(
        "Reason",
        "Say why: it goes in the timeline.",
        "They get an email with a link to the case.",
    )
    version = HiddenField(filters=[optional_int])
    submit = SubmitField("Assign")


def parse_picked(value: str) -> tuple[int, int] | None:
    """A ticked triage row, "case id:version", as a pair; None if it is not one."""
    case_id, _, version = (value or "").partition(":")
    if not (case_id.isdigit() and version.isdigit()):
        return None
    return int(case_id), int(version)


class TriageAssignForm(FlaskForm):
    # The rows are rendered by the page; each checkbox value is "case id:version".
    cases = SelectMultipleField("Cases", validate_choice=False)
    assignee = SelectField(  # choices: the view
        "Assign the ticked cases to",
        coerce=optional_id,
        validators=[InputRequired(message="Choose who takes the ticked cases.")],
    )
    reason = _reason(
        "Reason",
        "Say why: it goes in the timeline of each case.",
        "The same reason is written on each case. They get an email per case.",
    )
    submit = SubmitField("Assign ticked cases")

    def validate_cases(self, field):
        if not field.data:
            raise ValidationError("Tick at least one case to assign.")
        if any(parse_picked(value) is None for value in field.data):
            raise ValidationError("Reload the page and tick the cases again.")

    @property
    def picked(self) -> list[tuple[int, int]]:
        return [pair for pair in map(parse_picked, self.cases.data or []) if pair]
