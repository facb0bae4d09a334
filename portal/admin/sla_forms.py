"""Forms of the deadline pages: the SLA policies and the holidays. The rules behind them are
in portal/services/sla/admin.py; the team calendar is part of the team form (forms.py)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Form,
    FormField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from portal.admin.forms import WholeNumberField, optional_id
from portal.models.case import SEVERITIES
from portal.services.rules import RuleError
from portal.services.sla import admin as sla_admin
from portal.text_input import single_line

UNIT_CHOICES = [SelectChoice("hours", "hours"), SelectChoice("days", "days")]


def _amount_field(label: str) -> WholeNumberField:
    low, high = sla_admin.AMOUNT_LIMITS
    return WholeNumberField(label, low=low, high=high, render_kw={"min": low, "max": high})


class SlaRowForm(Form):
    """The policy of one severity (a part of SlaPoliciesForm, or the preview's question)."""

    first_contact_amount = _amount_field("First contact within")
    first_contact_unit = SelectField("Unit of the first contact time", choices=UNIT_CHOICES)
    resolve_amount = _amount_field("Resolved within")
    resolve_unit = SelectField("Unit of the resolution time", choices=UNIT_CHOICES)
    business_hours = BooleanField(
        "Count in business hours",
        description="Only the team's working time counts: nights, days off and holidays are "
        "skipped.",
    )

    def validate_resolve_amount(self, field):
        if self.errors:  # an amount that is not a number: its own message is enough
            return
        try:
            sla_admin.check_resolution_after_first_contact(self.settings())
        except RuleError as exc:
            raise ValidationError(exc.message) from None

    def settings(self) -> sla_admin.PolicySettings:
        return sla_admin.PolicySettings(
            first_contact_amount=self.first_contact_amount.data,
            first_contact_unit=self.first_contact_unit.data,
            resolve_amount=self.resolve_amount.data,
            resolve_unit=self.resolve_unit.data,
            business_hours=bool(self.business_hours.data),
        )


class SlaPoliciesForm(FlaskForm):
    """One row per severity; fields are named "high-resolve_amount" and so on."""

    critical = FormField(SlaRowForm)
    high = FormField(SlaRowForm)
    normal = FormField(SlaRowForm)
    low = FormField(SlaRowForm)
    submit = SubmitField("Save policies")

    def rows(self):
        return [(severity, self[severity]) for severity in SEVERITIES]

    def settings(self) -> dict[str, sla_admin.PolicySettings]:
        return {severity: row.form.settings() for severity, row in self.rows()}


class HolidayForm(FlaskForm):
    day = DateField(
        "Date",
        validators=[InputRequired(message="Enter a date.")],
        invalid_value_message="Enter a date, like 2027-06-25.",
    )
    name = StringField(
        "Name",
        validators=[
            DataRequired(message="Enter a name, like Midsummer Eve."),
            Length(max=120, message="Keep the name to 120 characters or fewer."),
        ],
        filters=[single_line],
    )
    team = SelectField("For", coerce=optional_id)  # choices: "All teams", then the teams
    submit = SubmitField("Add holiday")


class HolidayImportForm(FlaskForm):
    """The buttons that add a country's holidays of a year (from the `holidays` package).
    Its fields have names of their own: it shares the page with HolidayForm."""

    import_year = WholeNumberField(
        "Year", low=sla_admin.YEAR_LIMITS[0], high=sla_admin.YEAR_LIMITS[1]
    )
    import_team = SelectField("For", coerce=optional_id)
    add_se = SubmitField("Add Swedish public holidays")
    add_gb_eng = SubmitField("Add UK (England) bank holidays")
    # Any other country the `holidays` package knows (Germany for a DACH team...).
    import_country = SelectField(
        "Country", choices=[], validate_choice=False
    )  # checked by the service
    add_country = SubmitField("Add this country's public holidays")

    def chosen_source(self) -> str | None:
        """Which button was pressed: a source of sla_admin.holiday_source."""
        if self.add_se.data:
            return "se"
        if self.add_gb_eng.data:
            return "gb-eng"
        if self.add_country.data:
            return sla_admin.COUNTRY_SOURCE + (self.import_country.data or "")
        return None
