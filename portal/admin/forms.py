"""Forms of the administration pages. Choices that come from the database (teams, reps,
managers) are filled in by the view; the rules behind them live in portal.services.staff,
portal.services.survey_admin and portal.services.api_keys."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from portal.models.user import ROLES
from portal.services.survey_admin import (
    POLICY_LIMITS,
    STATES,
    PolicyRuleError,
    check_sending_hours,
)

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]


def optional_id(value) -> int | None:
    """A select's value as a row id; the empty choice ("No team", "No lead") is None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def id_choices(rows, empty_label: str) -> list[SelectChoice]:
    """Options for picking a row by id (a team, a rep...), "nothing" first."""
    return [SelectChoice("", empty_label), *(SelectChoice(row.id, row.name) for row in rows)]


class UserFilterForm(FlaskForm):
    """The search bar of the users list: read from the query string, changes nothing."""

    class Meta:
        csrf = False  # a GET form: a token would only leak into URLs and logs

    q = SearchField("Name or email", filters=[_strip])
    role = SelectField("Role", choices=[SelectChoice("", "Any role"), *ROLE_CHOICES], default="")
    team = SelectField("Team", default="")  # choices: "", "none", then team ids
    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Any status"),
            SelectChoice("active", "Active"),
            SelectChoice("inactive", "Deactivated"),
        ],
        default="",
    )


class _UserFields(FlaskForm):
    name = StringField(
        "Full name",
        validators=[DataRequired(message="Enter a name."), Length(max=120)],
        filters=[_strip],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default="rep", validators=[DataRequired()])
    team = SelectField("Team", coerce=optional_id)


class UserCreateForm(_UserFields):
    email = EmailField(
        "Email",
        validators=[
            DataRequired(message="Enter an email address."),
            Email(message="Enter a valid email address, like name@example.com."),
            Length(max=254),
        ],
        filters=[_strip],
    )
    submit = SubmitField("Add user and email a link")


class UserEditForm(_UserFields):
    away_until = DateField(
        "Away until",
        validators=[Optional()],
        description="The day they are back. Until then their new cases go to the stand-in, "
        "or to their team lead when there is none.",
    )
    stand_in = SelectField(
        "Stand-in",
        coerce=optional_id,
        description="An active rep who takes their new cases while they are away.",
    )
    submit = SubmitField("Save changes")


class TeamForm(FlaskForm):
    name = StringField(
        "Team name",
        validators=[DataRequired(message="Enter a name."), Length(max=120)],
        filters=[_strip],
    )
    lead = SelectField(
        "Lead", coerce=optional_id, description="A manager. They see this team's cases and figures."
    )
    submit = SubmitField("Save team")


# --- surveys ----------------------------------------------------------------------------------

STATE_LABELS = {
    "scheduled": "Scheduled",
    "sending": "Sending",
    "sent": "Sent",
    "opened": "Opened",
    "answered": "Answered",
    "expired": "Expired",
    "bounced": "Bounced",
    "failed": "Failed",
    "skipped": "Skipped",
    "unsubscribed": "Unsubscribed",
}


class WholeNumberField(IntegerField):
    """A number of days or an hour of the day, from `low` to `high`: one plain message for
    whatever is wrong (empty, not a number, out of range)."""

    def __init__(self, label: str, *, low: int, high: int, **kwargs) -> None:
        message = f"Enter a whole number from {low} to {high}."
        super().__init__(
            label,
            validators=[InputRequired(message=message), NumberRange(low, high, message=message)],
            invalid_value_message=message,
            **kwargs,
        )

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # not a number: its one message is enough


def _policy_field(name: str, label: str, description: str) -> WholeNumberField:
    low, high = POLICY_LIMITS[name]
    return WholeNumberField(label, low=low, high=high, description=description)


class SurveyPolicyForm(FlaskForm):
    send_after_days = _policy_field(
        "send_after_days",
        "Days after the sale",
        "How many days after a sale the survey goes out (0 to 60). 0 sends it on the day of "
        "the sale. Surveys already planned keep their day.",
    )
    window_start_hour = _policy_field(
        "window_start_hour",
        "Send from (hour)",
        "Surveys and reminders go out only from this hour of the customer's own day, in "
        "their time zone (0 to 24; 9 means 09:00).",
    )
    window_end_hour = _policy_field(
        "window_end_hour",
        "Send until (hour)",
        "They stop at this hour of the customer's day (0 to 24; 18 means until 18:00, 24 "
        "until midnight). It must be later than the start hour.",
    )
    budget_days = _policy_field(
        "budget_days",
        "Ask a customer at most once in (days)",
        "Each customer gets at most one survey in this many days, whatever it is about (a "
        "sale or a case). Later surveys in that time are skipped (0 to 365; 0: no limit).",
    )
    reminder_after_days = _policy_field(
        "reminder_after_days",
        "Reminder after (days)",
        "If there is no answer, one reminder goes out this many days after the survey "
        "(0 to 60). 0 means no reminder.",
    )
    link_expiry_days = _policy_field(
        "link_expiry_days",
        "Link works for (days)",
        "How long the link in the email can be used after it is sent (1 to 365). After that "
        "the customer sees that the survey has closed.",
    )
    submit = SubmitField("Save policy")

    def validate_window_end_hour(self, field):
        """Checked here too, so that this message shows along with any other."""
        start = self.window_start_hour
        if field.errors or start.errors or start.data is None or field.data is None:
            return
        try:
            check_sending_hours(start.data, field.data)
        except PolicyRuleError as exc:
            raise ValidationError(exc.message) from None


class InvitationFilterForm(FlaskForm):
    """The search bar of the invitations list: read from the query string, changes nothing."""

    class Meta:
        csrf = False  # a GET form: a token would only leak into URLs and logs

    q = SearchField("Customer or order", filters=[_strip])
    state = SelectField(
        "State",
        choices=[
            SelectChoice("", "Any state"),
            *(SelectChoice(state, STATE_LABELS[state]) for state in STATES),
        ],
        default="",
    )


class CustomerSearchForm(FlaskForm):
    """The search bar of the unsubscribed list."""

    class Meta:
        csrf = False

    q = SearchField("Name or email", filters=[_strip])


# --- API keys ---------------------------------------------------------------------------------


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Enter a name, such as the system that will use the key."),
            Length(max=120, message="Keep the name to 120 characters or fewer."),
        ],
        filters=[_strip],
        description='Which system uses this key, e.g. "Webshop" or "ERP export". '
        "It helps you find the key when it has to be revoked.",
    )
    submit = SubmitField("Create key")
