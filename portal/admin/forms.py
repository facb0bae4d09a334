"""Forms of the administration pages. Choices that come from the database (teams, reps,
managers) are filled in by the view; the rules behind them live in portal/services/staff/,
portal/services/surveys/admin.py and portal/services/staff/api_keys.py. The forms of the
deadline pages are in sla_forms.py."""

from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    SearchField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TimeField,
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

from portal.form_helpers import strip
from portal.models.user import ROLES
from portal.services import rules
from portal.services.staff import teams
from portal.services.surveys.admin import (
    POLICY_LIMITS,
    STATES,
    check_sending_hours,
)
from portal.text_input import single_line

ROLE_CHOICES = [SelectChoice(role, role.capitalize()) for role in ROLES]


def optional_id(value) -> int | None:
    """A select's value as a row id; the empty choice ("No team", "No lead") is None."""
    if value in (None, "", "None"):
        return None
    return int(value)


def id_choices(rows, empty_label: str) -> list[SelectChoice]:
    """Options for picking a row by id (a team, a rep...), "nothing" first."""
    return [SelectChoice("", empty_label), *(SelectChoice(row.id, row.name) for row in rows)]


class UserFilterForm(FlaskForm):
    """The search bar of the users list: read from the query string, changes nothing."""

    class Meta:
        csrf = False  # a GET form: a token would only leak into URLs and logs

    q = SearchField("Name or email", filters=[strip])
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
        filters=[single_line],
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
        filters=[strip],
    )
    submit = SubmitField("Add user and email a link")


class UserEditForm(_UserFields):
    away_from = DateField(
        "Away from",
        validators=[Optional()],
        description="The first day away. Empty: from now.",
    )
    away_until = DateField(
        "Away until",
        validators=[Optional()],
        description="The day they are back: their cases come back to them then.",
    )
    stand_in = SelectField(
        "Stand-in",
        coerce=optional_id,
        description="An active rep who holds their open cases, customer replies and reopened "
        "cases while they are away (with none, new cases go to the team lead).",
    )
    submit = SubmitField("Save changes")


# Offered first in the time zone list: where teams of a Nordic company usually are.
COMMON_TIMEZONES = (
    "Europe/Stockholm",
    "Europe/Oslo",
    "Europe/Copenhagen",
    "Europe/Helsinki",
    "Europe/Tallinn",
    "Europe/Riga",
    "Europe/Vilnius",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Amsterdam",
    "Europe/Brussels",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Zurich",
    "Europe/Vienna",
    "Europe/Madrid",
    "Europe/Lisbon",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Prague",
    "UTC",
)
TIME_MESSAGE = "Enter a time of day, like 08:00."


def team_form_data(team) -> dict:
    """What the team form shows for an existing team."""
    calendar = teams.TeamCalendar.of(team)
    return {
        "name": team.name,
        "lead": team.lead_id,
        "timezone": calendar.timezone,
        "workdays": sorted(calendar.workdays),
        "workday_start": calendar.start,
        "workday_end": calendar.end,
        "round_the_clock": calendar.round_the_clock,
    }


def timezone_choices() -> list[SelectChoice]:
    """Every zone Python knows (zoneinfo.available_timezones), sorted, the common European
    ones first."""
    zones = teams.known_timezones()
    common = [zone for zone in COMMON_TIMEZONES if zone in zones]
    return [
        *(SelectChoice(zone, zone.replace("_", " "), optgroup="Common") for zone in common),
        *(
            SelectChoice(zone, zone.replace("_", " "), optgroup="All time zones")
            for zone in sorted(zones - set(common))
        ),
    ]


class TeamForm(FlaskForm):
    name = StringField(
        "Team name",
        validators=[DataRequired(message="Enter a name."), Length(max=120)],
        filters=[single_line],
    )
    lead = SelectField(
        "Lead", coerce=optional_id, description="A manager. They see this team's cases and figures."
    )
    # Ticked boxes are all a browser sends: with none ticked, a form with the calendar sends
    # the same as one without it. This marker tells them apart; a form posted without it (a
    # script, a page from before calendars) leaves the team's calendar as it is.
    calendar_shown = HiddenField(default="1")
    timezone = SelectField(
        "Time zone",
        default="Europe/Stockholm",
        description="Working hours and days are counted in this zone's local time.",
    )
    workdays = SelectMultipleField(
        "Working days",
        coerce=int,
        choices=[SelectChoice(n, day) for n, day in enumerate(teams.WEEKDAYS, start=1)],
        default=[1, 2, 3, 4, 5],
    )
    workday_start = TimeField("Work starts", default=time(8), invalid_value_message=TIME_MESSAGE)
    workday_end = TimeField("Work ends", default=time(17), invalid_value_message=TIME_MESSAGE)
    round_the_clock = BooleanField(
        "On call round the clock",
        description="Someone answers at night, at weekends and on holidays. Only then do "
        "SLA policies without business hours (critical, by default) run day and night for "
        "this team; otherwise its cases count business hours.",
    )
    submit = SubmitField("Save team")

    @property
    def calendar_posted(self) -> bool:
        return bool(getattr(self.calendar_shown, "raw_data", None))

    def validate_workdays(self, field):
        if self.calendar_posted and not field.data:
            raise ValidationError("Choose at least one working day.")

    def validate_workday_end(self, field):
        start = self.workday_start
        if field.errors or start.errors or start.data is None or field.data is None:
            return
        try:
            teams.check_working_hours(start.data, field.data)
        except rules.RuleError as exc:
            raise ValidationError(exc.message) from None

    def working_calendar(self) -> teams.TeamCalendar | None:
        """The calendar as entered; None when the form came without it."""
        if not self.calendar_posted:
            return None
        return teams.TeamCalendar(
            timezone=self.timezone.data,
            workdays=frozenset(self.workdays.data),
            start=self.workday_start.data,
            end=self.workday_end.data,
            round_the_clock=bool(self.round_the_clock.data),
        )


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
        except rules.RuleError as exc:
            raise ValidationError(exc.message) from None


class InvitationFilterForm(FlaskForm):
    """The search bar of the invitations list: read from the query string, changes nothing."""

    class Meta:
        csrf = False  # a GET form: a token would only leak into URLs and logs

    q = SearchField("Customer or order", filters=[strip])
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

    q = SearchField("Name or email", filters=[strip])


# --- API keys ---------------------------------------------------------------------------------


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Enter a name, such as the system that will use the key."),
            Length(max=120, message="Keep the name to 120 characters or fewer."),
        ],
        filters=[single_line],
        description='Which system uses this key, e.g. "Webshop" or "ERP export". '
        "It helps you find the key when it has to be revoked.",
    )
    # The page renders the boxes; the service names what is wrong with a choice.
    scopes = SelectMultipleField(
        "What the key may do",
        choices=[
            SelectChoice("write:sales", "Send sales in (POST /sales)"),
            SelectChoice("read:cases", "Read cases and their status (GET /cases), e.g. a CRM"),
        ],
        # Nothing ticked: an admin grants each power on purpose (a CRM's read-only key).
        validate_choice=False,
    )
    submit = SubmitField("Create key")
