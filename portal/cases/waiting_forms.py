"""Forms of waiting for the customer on the case page (services/cases/waiting.py)."""

from __future__ import annotations

from wtforms import HiddenField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from portal.cases.forms import CaseForm, optional_id
from portal.form_helpers import strip
from portal.services.cases.messages import MESSAGE_MAX
from portal.services.cases.waiting import DEFAULT_WAIT_DAYS, WAIT_DAY_CHOICES


class WaitForm(CaseForm):
    question = TextAreaField(
        "What do you need from the customer?",
        validators=[
            DataRequired(message="Write what you need from the customer: it is emailed to them."),
            Length(max=MESSAGE_MAX, message=f"Keep it to {MESSAGE_MAX} characters."),
        ],
        filters=[strip],
        description="Emailed to the customer with the link to their case page, where they "
        "answer. The resolution clock is paused until they do.",
        render_kw={"rows": 3},
    )
    days = SelectField(
        "Back in the queue without an answer after",
        choices=[
            SelectChoice(d, f"{d} business day{'s' if d > 1 else ''}") for d in WAIT_DAY_CHOICES
        ],
        coerce=optional_id,  # anything else: the service names the choices
        default=DEFAULT_WAIT_DAYS,
        validate_choice=False,
    )
    submit = SubmitField("Wait for the customer")


class TakeBackForm(CaseForm):
    # A button only: a post without the page's version is a broken form, not a stale page.
    version = HiddenField(
        filters=[optional_id],
        validators=[InputRequired(message="Reload the page and press the button again.")],
    )
    submit = SubmitField("Take the case back now")
