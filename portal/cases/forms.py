"""Forms of the case pages. Choices that come from the database (who may be assigned, the
SLA of each severity) are filled in by the view; the rules are in services/cases/ (work.py,
severity.py, assignment.py, labels.py).

The case page shows several forms at once: each has a prefix, so that their fields (and
their CSRF tokens) keep ids of their own. Every form that changes the case carries the case
`version` it was rendered with (a stale one is refused) and `seen`, the newest timeline entry
on the page (so a refusal can say what changed since)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.form_helpers import strip
from portal.models.case import CASE_STATUSES, RESOLVE_OUTCOMES, SEVERITIES
from portal.models.survey import SENTIMENT_LABELS
from portal.services.cases.work import CONTACT_CHANNELS, NOTE_LENGTH

REASON_LENGTH = 500


def optional_id(value) -> int | None:
    """A posted id or version as an int; anything else is None (for a version: "changed
    since", for a person: nobody chosen, which the service names)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _reason(label: str, message: str, description: str) -> StringField:
    return StringField(
        label,
        validators=[
            DataRequired(message=message),
            Length(max=REASON_LENGTH, message=f"Keep it to {REASON_LENGTH} characters."),
        ],
        filters=[strip],
        description=description,
    )


def _assignee(label: str, message: str) -> SelectField:
    """Whom to hand the case(s) to; the choices come from the view, and the service names
    what is wrong with a choice (services/cases/assignment.py)."""
    return SelectField(
        label,
        coerce=optional_id,
        validate_choice=False,
        validators=[InputRequired(message=message)],
    )


def _text(label: str, message: str, description: str = "", rows: int = 3) -> TextAreaField:
    return TextAreaField(
        label,
        validators=[
            DataRequired(message=message),
            Length(max=NOTE_LENGTH, message=f"Keep it to {NOTE_LENGTH} characters."),
        ],
        filters=[strip],
        description=description,
        render_kw={"rows": rows},
    )


class CaseForm(FlaskForm):
    """A form that changes a case: it says which version of the case the person saw."""

    # The version the form was rendered with; anything else counts as "changed since".
    version = HiddenField(filters=[optional_id])
    seen = HiddenField(filters=[optional_id])


class LabelCorrectionForm(CaseForm):
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
        filters=[strip],
        description="What the rules missed. It helps whoever tunes them.",
        render_kw={"rows": 2},
    )
    close_case = BooleanField(
        "Close the case as not a complaint",
        description="Only with neutral or positive: the case is closed, leaves the complaint "
        "figures, and the customer gets no follow-up survey.",
    )
    submit = SubmitField("Save correction")


class SeverityForm(CaseForm):
    severity = SelectField("New severity", validators=[DataRequired()])  # choices: the view
    reason = _reason(
        "Reason",
        "Say why the severity changes: it goes in the timeline.",
        "Both deadlines are counted again from the table above.",
    )
    submit = SubmitField("Change severity")


class AssignForm(CaseForm):
    assignee = _assignee("Assign to", "Choose who takes the case.")
    reason = _reason(
        "Reason",
        "Say why: it goes in the timeline.",
        "They get an email with a link to the case.",
    )
    submit = SubmitField("Assign")


def parse_picked(value: str) -> tuple[int, int] | None:
    """A ticked triage row, "case id:version", as a pair; None if it is not one."""
    case_id, _, version = (value or "").partition(":")
    if not (case_id.isdigit() and version.isdigit()):
        return None
    return int(case_id), int(version)


class BulkAssignForm(FlaskForm):
    # The rows are rendered by the page; each checkbox value is "case id:version".
    cases = SelectMultipleField("Cases", validate_choice=False)
    assignee = _assignee("Assign the ticked cases to", "Choose who takes the ticked cases.")
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


# --- actions on one case --------------------------------------------------------------------


class ContactForm(CaseForm):
    channel = RadioField(
        "How",
        choices=[SelectChoice(c, c.capitalize()) for c in CONTACT_CHANNELS],
        validators=[InputRequired(message="Choose phone, email or meeting.")],
    )
    note = _text(
        "What was said",
        "Say what was agreed or said: it goes in the timeline.",
        "The first contact meets (or misses) the first-contact deadline.",
    )
    submit = SubmitField("Log contact")


class NoteForm(FlaskForm):
    # A note overwrites nothing: no version check (see services/cases/work.py).
    text = _text("Internal note", "Write the note first.", "Only staff see notes.", rows=2)
    submit = SubmitField("Add note")


class EmailCustomerForm(CaseForm):
    body = _text(
        "Message",
        "Write the message to the customer first.",
        "Sent by email with the link to their case page, where they can answer. "
        "On an open case it counts as a contact by email.",
        rows=5,
    )
    submit = SubmitField("Send email")


OUTCOME_LABELS = {
    "refund": "Refund",
    "replacement": "Replacement",
    "discount": "Discount",
    "explanation": "Explanation",
    "no_action": "No action",
    "not_a_complaint": "Not a complaint",
}


class ResolveForm(CaseForm):
    outcome = SelectField(
        "Outcome",
        choices=[
            SelectChoice("", "Choose what was done"),
            *(SelectChoice(o, OUTCOME_LABELS[o]) for o in RESOLVE_OUTCOMES),
        ],
        validators=[DataRequired(message="Choose what was done.")],
    )
    summary = _text(
        "Summary for the customer",
        "Sum up what was done: the customer reads it.",
        "Write it to the customer: it is shown on their status page and in the "
        '"did this fix it?" email, which asks whether this fixed their concern.',
    )
    submit = SubmitField("Resolve case")


class ReopenForm(CaseForm):
    reason = _reason(
        "Reason",
        "Say why the case is reopened: it goes in the timeline.",
        "The resolve deadline is counted again from now.",
    )
    submit = SubmitField("Reopen case")


class CustomerResolvedForm(CaseForm):
    note = TextAreaField(
        "Note",
        validators=[
            Optional(),
            Length(max=NOTE_LENGTH, message=f"Keep it to {NOTE_LENGTH} characters."),
        ],
        filters=[strip],
        description="Optional: anything to add to the timeline.",
        render_kw={"rows": 2},
    )
    submit = SubmitField("Close as resolved by the customer")


# --- the queue's filters (GET: no CSRF, nothing changes) ------------------------------------

STATUS_FILTERS = [
    SelectChoice("active", "Needs work (open, contacted, reopened, waiting)"),
    *(SelectChoice(s, s.capitalize()) for s in CASE_STATUSES),
    SelectChoice("all", "All statuses"),
]


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(
        "Search",
        filters=[strip],
        validators=[Optional(), Length(max=100, message="Keep the search to 100 characters.")],
        description="Customer name or email, phone, order number, subject or #case number.",
    )
    status = SelectField("Status", choices=STATUS_FILTERS, default="active")
    severity = SelectField(
        "Severity",
        choices=[
            SelectChoice("", "Any severity"),
            *(SelectChoice(s, s.capitalize()) for s in SEVERITIES),
        ],
        default="",
    )
    rep = SelectField("Responsible", default="")  # choices: the view (managers only)
    contact = SelectField(
        "Contact wish",
        choices=[
            SelectChoice("", "Any"),
            SelectChoice("phone", "Call them"),
            SelectChoice("email", "Email them"),
            SelectChoice("none", "No contact wanted"),
        ],
        default="",
    )
    overdue = BooleanField("Overdue only")
