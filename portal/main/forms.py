"""The staff member's own settings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField

from portal.admin.forms import timezone_choices


class MySettingsForm(FlaskForm):
    time_zone = SelectField(
        "Show times in",
        description="Every time in the portal and in your emails is shown in this zone.",
    )
    submit = SubmitField("Save settings")

    def __init__(self, team_zone_label: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = [("", team_zone_label), *timezone_choices()]
