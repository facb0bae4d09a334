"""The case page's form to correct a case's complaint themes (services/cases/themes.py)."""

from __future__ import annotations

from wtforms import SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget

from portal.cases.forms import CaseForm


class ThemesForm(CaseForm):
    # Choices: the active themes, filled in by the view; the service names a wrong choice.
    themes = SelectMultipleField(
        "Themes",
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    submit = SubmitField("Save themes")
