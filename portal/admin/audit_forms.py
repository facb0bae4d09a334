"""The filter bar of the audit trail (Admin, System, Audit log)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SearchField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal.form_helpers import strip


class AuditFilterForm(FlaskForm):
    """Read from the query string; changes nothing."""

    class Meta:
        csrf = False  # a GET form: a token would only leak into URLs and logs

    actor = SearchField(
        "Who", filters=[strip], validators=[Optional(), Length(max=254)]
    )  # part of an email, or "system" / "anonymous"
    action = SelectField("Action", default="")  # choices: "", "user.", "user.role"...
    target_type = SelectField("Target", default="")
    target_id = StringField("Target id", filters=[strip], validators=[Optional(), Length(max=64)])
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])

    def fill_choices(self, actions: list[str], target_types: list[str]) -> None:
        """Every action and target type in the trail, and each action family ("user.")."""
        families = sorted({a.split(".")[0] + "." for a in actions if "." in a})
        options = sorted([*families, *actions])
        self.action.choices = [
            SelectChoice("", "Any action"),
            *(SelectChoice(a, f"{a[:-1]} (all)" if a.endswith(".") else a) for a in options),
        ]
        self.target_type.choices = [
            SelectChoice("", "Any target"),
            *(SelectChoice(t, t.replace("_", " ")) for t in target_types),
        ]

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("Choose a day on or after the first day.")
